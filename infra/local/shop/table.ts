/**
 * Plain-text tables for `shop up`, `shop status`, `infra status` and `dlq list`. Widths ignore
 * colour codes, so coloured cells still line up; the last column is never padded (no trailing
 * spaces).
 * Stays, not cli-table3: it draws boxes, and its borderless setup is longer than renderTable.
 */
import { stripVTControlCharacters } from 'node:util';
import { type Painter, painter } from './colors';

const visibleLength = (text: string): number => stripVTControlCharacters(text).length;

export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  paint: Painter = painter(false),
): string {
  const widths = header.map((h, i) =>
    Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i] - visibleLength(c))))
      .join('  ')
      .trimEnd();
  return [
    paint.paint(line(header), 'bold'),
    ...rows.map((r) => line(header.map((_, i) => r[i] ?? ''))),
  ].join('\n');
}

/** One infra component as the infra runner reports it (infraStatus()). */
export interface InfraRow {
  readonly component: string;
  readonly pid: number | null;
  readonly port: number;
  readonly running: boolean;
  readonly detail?: string;
}

/** One service after `shop up`. */
export interface UpRow {
  readonly name: string;
  readonly url: string;
  readonly pid: number | null;
  /** e.g. "ready in 7.9s" or "ready (already running)". */
  readonly status: string;
  readonly ok: boolean;
}

/** How an infra component is addressed, for the "where is everything" table. */
export function infraAddress(component: string, port: number, host = '127.0.0.1'): string {
  if (component === 'postgres') return `postgresql://${host}:${port}`;
  if (component === 'redis') return `redis://${host}:${port}`;
  // Tracing (--tracing): its UI and HTTP API, what a person opens.
  if (component === 'jaeger') return `http://${host}:${port}`;
  return `${host}:${port}`;
}

export function renderUpTable(
  services: readonly UpRow[],
  infra: readonly InfraRow[],
  paint: Painter = painter(false),
): string {
  const ok = (text: string, good: boolean): string => paint.paint(text, good ? 'green' : 'red');
  const rows = [
    ...services.map((s) => [
      s.name,
      s.url,
      s.pid === null ? '-' : String(s.pid),
      ok(s.status, s.ok),
    ]),
    ...infra.map((c) => [
      c.component,
      infraAddress(c.component, c.port),
      c.pid === null ? '-' : String(c.pid),
      ok(c.running ? 'running' : `not running${c.detail ? ` (${c.detail})` : ''}`, c.running),
    ]),
  ];
  return renderTable(['NAME', 'URL', 'PID', 'STATUS'], rows, paint);
}

/** One service as `shop status` sees it. */
export interface StatusRow {
  readonly name: string;
  readonly pid: number | null;
  readonly port: number;
  /** running (pid alive), stopped, exited (pid file points at a dead process), foreign (port taken by another process). */
  readonly state: 'running' | 'stopped' | 'exited' | 'foreign';
  readonly live: boolean | null;
  readonly ready: boolean | null;
  /** Readiness detail (failing checks) or a hint. */
  readonly note: string;
}

export function renderStatusTable(
  services: readonly StatusRow[],
  infra: readonly InfraRow[],
  paint: Painter = painter(false),
): string {
  const yesNo = (v: boolean | null): string =>
    v === null ? '-' : paint.paint(v ? 'yes' : 'no', v ? 'green' : 'red');
  const stateText = (s: StatusRow['state']): string =>
    paint.paint(s, s === 'running' ? 'green' : s === 'stopped' ? 'gray' : 'red');
  const serviceTable = renderTable(
    ['SERVICE', 'PID', 'PORT', 'STATE', 'LIVE', 'READY', 'NOTES'],
    services.map((s) => [
      s.name,
      s.pid === null ? '-' : String(s.pid),
      String(s.port),
      stateText(s.state),
      yesNo(s.live),
      yesNo(s.ready),
      s.note,
    ]),
    paint,
  );
  const infraTable = renderTable(
    ['INFRA', 'PID', 'PORT', 'STATE', 'NOTES'],
    infra.map((c) => [
      c.component,
      c.pid === null ? '-' : String(c.pid),
      String(c.port),
      paint.paint(c.running ? 'running' : 'stopped', c.running ? 'green' : 'gray'),
      c.detail ?? '',
    ]),
    paint,
  );
  return `${serviceTable}\n\n${infraTable}`;
}
