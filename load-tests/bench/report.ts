/**
 * The figures of `npm run bench -- hot-path`, the targets of the design brief, and their text
 * and markdown forms. Pure: the bench CLI gathers the numbers, this file judges and prints them.
 */
import { type PgCeiling, type RedisCeiling } from '../engine/infra';
import { OUTCOMES, type Outcome, fmtMs, formatTable } from './stats';

/** One HTTP measurement (one autocannon phase). */
export interface HttpFigure {
  readonly name: string;
  readonly connections: number;
  readonly durationSec: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly counts: Readonly<Record<Outcome, number>>;
  /** The outcome this run is meant to measure, and its share of the answers (0..1). */
  readonly expected: Outcome;
  readonly expectedShare: number;
  /** CPU per process during the phase, e.g. "gateway 98%, load driver 80%". */
  readonly cpu: string;
  /** CPU time per answered request, all processes but the driver and those not under test (µs). */
  readonly cpuUsPerRequest: number;
  /** CPU that processes outside the bench used during the run ("other 83%"), or null. */
  readonly disturbance: string | null;
}

export const TARGETS = {
  rejectedRatio: 0.8,
  acceptedRatio: 0.5,
  acceptedP99Ms: 25,
  /** A run whose answers are less than this share of the expected outcome measured something else. */
  validShare: 0.99,
} as const;

export interface Knee {
  /** The highest throughput of the steps (the saturation throughput). */
  readonly maxRps: number;
  /** Index of the first step that reaches 90 % of it: more connections past it only add latency. */
  readonly kneeIndex: number;
  /** Index of the best step below saturation: the highest throughput with p99 ≤ the target. */
  readonly operatingIndex: number | null;
}

export function findKnee(
  steps: readonly HttpFigure[],
  p99LimitMs: number = TARGETS.acceptedP99Ms,
): Knee {
  if (steps.length === 0) return { maxRps: 0, kneeIndex: -1, operatingIndex: null };
  const maxRps = Math.max(...steps.map((s) => s.rps));
  const kneeIndex = steps.findIndex((s) => s.rps >= 0.9 * maxRps);
  let operatingIndex: number | null = null;
  steps.forEach((s, i) => {
    if (s.p99Ms <= p99LimitMs && (operatingIndex === null || s.rps > steps[operatingIndex].rps))
      operatingIndex = i;
  });
  return { maxRps, kneeIndex, operatingIndex };
}

export interface TargetResult {
  readonly name: string;
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
  /** How far off, when missed ("-12.3 points = 1234 req/s short"). */
  readonly gap: string;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)} %`;
}

export function ratioTarget(
  name: string,
  figure: HttpFigure,
  ceilingRps: number,
  target: number,
): TargetResult {
  const ratio = ceilingRps > 0 ? figure.rps / ceilingRps : 0;
  const valid = figure.expectedShare >= TARGETS.validShare;
  const met = valid && ratio >= target;
  const short = Math.max(0, target * ceilingRps - figure.rps);
  return {
    name,
    target: `≥ ${pct(target)} of the HTTP ceiling`,
    measured: `${figure.rps.toFixed(0)} req/s = ${pct(ratio)}${valid ? '' : ` (only ${pct(figure.expectedShare)} ${figure.expected}: not a valid measurement)`}`,
    met,
    gap: met
      ? ''
      : `${((ratio - target) * 100).toFixed(1)} points, ${short.toFixed(0)} req/s short`,
  };
}

export function acceptedTarget(steps: readonly HttpFigure[], ceilingRps: number): TargetResult {
  const knee = findKnee(steps);
  const name = 'accepted path (202)';
  const target = `≥ ${pct(TARGETS.acceptedRatio)} of the HTTP ceiling with p99 ≤ ${TARGETS.acceptedP99Ms} ms`;
  if (knee.operatingIndex === null) {
    const best = steps.reduce((a, b) => (b.p99Ms < a.p99Ms ? b : a), steps[0]);
    return {
      name,
      target,
      measured: best
        ? `no step with p99 ≤ ${TARGETS.acceptedP99Ms} ms (lowest p99 ${fmtMs(best.p99Ms)} ms at c=${best.connections})`
        : 'not measured',
      met: false,
      gap: 'no operating point meets the latency bound',
    };
  }
  const op = steps[knee.operatingIndex];
  const ratio = ceilingRps > 0 ? op.rps / ceilingRps : 0;
  const valid = op.expectedShare >= TARGETS.validShare;
  const met = valid && ratio >= TARGETS.acceptedRatio;
  return {
    name,
    target,
    measured: `${op.rps.toFixed(0)} req/s = ${pct(ratio)}, p99 ${fmtMs(op.p99Ms)} ms at c=${op.connections}${valid ? '' : ` (only ${pct(op.expectedShare)} accepted)`}`,
    met,
    gap: met
      ? ''
      : `${((ratio - TARGETS.acceptedRatio) * 100).toFixed(1)} points, ${Math.max(0, TARGETS.acceptedRatio * ceilingRps - op.rps).toFixed(0)} req/s short`,
  };
}

/**
 * How close the HTTP path that runs a script once per request comes to that script's Redis
 * ceiling: the accepted saturation for the admission script, the rate-limited run for the token
 * buckets (each request is one call of it).
 */
export function hotPathShare(r: BenchReport, x: RedisCeiling): string {
  let rps: number | null = null;
  let what = '';
  if (x.name.includes('admission') && r.accepted.length) {
    rps = findKnee(r.accepted).maxRps;
    what = 'accepted saturation';
  } else if (x.name.includes('token') && r.rateLimited) {
    rps = r.rateLimited.rps;
    what = 'rate limited';
  }
  if (rps === null || x.rps <= 0) return '-';
  return `${what} ${rps.toFixed(0)} req/s = ${pct(rps / x.rps)}`;
}

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memGiB: number;
  readonly os: string;
  readonly node: string;
  readonly redis: string;
  readonly postgres: string;
}

export interface BenchReport {
  readonly date: string;
  readonly commit: string;
  readonly command: string;
  readonly machine: Machine;
  readonly ceiling: HttpFigure | null;
  /** Reference, no target: a bare Fastify route (the framework under the services' NestJS). */
  readonly framework: HttpFigure | null;
  readonly soldOut: HttpFigure | null;
  readonly rateLimited: HttpFigure | null;
  readonly accepted: readonly HttpFigure[];
  readonly redis: readonly RedisCeiling[];
  readonly postgres: PgCeiling | null;
  readonly gatewayEnv: Readonly<Record<string, string>>;
  readonly profile: string | null;
  readonly notes: readonly string[];
}

/** The footnote for runs marked † (disturbed by processes outside the bench), or null. */
export function disturbanceNote(r: BenchReport): string | null {
  const all = [r.ceiling, r.framework, r.soldOut, r.rateLimited, ...r.accepted].filter(
    (f): f is HttpFigure => f !== null && f.disturbance !== null,
  );
  if (all.length === 0) return null;
  return (
    '† disturbed: processes outside the bench used the CPU during the run (' +
    all.map((f) => `${f.name}: ${f.disturbance}`).join('; ') +
    '); treat these figures as lower bounds'
  );
}

export function evaluateTargets(r: BenchReport): TargetResult[] {
  const out: TargetResult[] = [];
  if (!r.ceiling) return out;
  const c = r.ceiling.rps;
  if (r.soldOut)
    out.push(ratioTarget('rejected: sold out (409)', r.soldOut, c, TARGETS.rejectedRatio));
  if (r.rateLimited)
    out.push(ratioTarget('rejected: rate limited (429)', r.rateLimited, c, TARGETS.rejectedRatio));
  if (r.accepted.length) out.push(acceptedTarget(r.accepted, c));
  return out;
}

function ratio(x: number, ceiling: number | undefined): string {
  return ceiling && ceiling > 0 ? pct(x / ceiling) : '-';
}

function httpRows(figures: readonly HttpFigure[], ceilingRps: number | undefined): string[][] {
  return figures.map((f) => [
    f.disturbance ? `${f.name} †` : f.name,
    String(f.connections),
    f.rps.toFixed(0),
    fmtMs(f.p50Ms),
    fmtMs(f.p99Ms),
    ratio(f.rps, ceilingRps),
    `${pct(f.expectedShare)} ${f.expected}`,
    Number.isNaN(f.cpuUsPerRequest) ? '-' : f.cpuUsPerRequest.toFixed(0),
    f.cpu,
  ]);
}

const HTTP_HEADER = [
  'run',
  'conns',
  'req/s',
  'p50 ms',
  'p99 ms',
  'of ceiling',
  'answers',
  'CPU µs/req',
  'CPU (% of one core)',
];

const STORE_CEILING_HEADER = ['ceiling', 'clients', 'ops/s', 'p50 ms', 'p99 ms', 'hot path at'];

/** The Redis and PostgreSQL ceilings as table rows (the text report names pgbench, the docs don't). */
function storeCeilingRows(r: BenchReport, pgbenchNote: string): string[][] {
  const rows = r.redis.map((x) => [
    x.name,
    String(x.clients),
    x.rps.toFixed(0),
    fmtMs(x.p50Ms),
    fmtMs(x.p99Ms),
    hotPathShare(r, x),
  ]);
  if (r.postgres)
    rows.push([
      `postgres: conditional decrement + reservation${pgbenchNote}`,
      String(r.postgres.clients),
      r.postgres.tps.toFixed(0),
      fmtMs(r.postgres.p50Ms),
      fmtMs(r.postgres.p99Ms),
      '-',
    ]);
  return rows;
}

/** The console report. */
export function formatReport(r: BenchReport): string {
  const c = r.ceiling?.rps;
  const lines: string[] = [];
  lines.push(`hot-path benchmark, ${r.date}, commit ${r.commit}`);
  lines.push(
    `machine: ${r.machine.cpus} CPUs (${r.machine.cpuModel}), ${r.machine.memGiB.toFixed(1)} GiB, ${r.machine.os}; node ${r.machine.node}, redis ${r.machine.redis}, postgres ${r.machine.postgres}`,
  );
  lines.push('');
  const http = [r.ceiling, r.framework, r.soldOut, r.rateLimited].filter(
    (f): f is HttpFigure => f !== null,
  );
  if (http.length) lines.push(formatTable(HTTP_HEADER, httpRows(http, c)));
  if (r.accepted.length) {
    const knee = findKnee(r.accepted);
    lines.push('');
    lines.push('accepted path, stepping connections (closed model):');
    const rows = markKnee(httpRows(r.accepted, c), knee, (marks) => ` (${marks})`);
    lines.push(formatTable(HTTP_HEADER, rows));
    lines.push(
      `saturation: ${knee.maxRps.toFixed(0)} req/s (${ratio(knee.maxRps, c)} of the ceiling)`,
    );
  }
  if (r.redis.length || r.postgres) {
    lines.push('');
    lines.push(formatTable(STORE_CEILING_HEADER, storeCeilingRows(r, ' (pgbench)')));
  }
  const targets = evaluateTargets(r);
  if (targets.length) {
    lines.push('');
    lines.push('targets (design brief, "Performance targets"):');
    for (const t of targets)
      lines.push(
        `  ${t.met ? 'MET   ' : 'MISSED'} ${t.name}: ${t.target}; measured ${t.measured}${t.gap ? `; ${t.gap}` : ''}`,
      );
  }
  const footnote = disturbanceNote(r);
  if (footnote) lines.push(`note: ${footnote}`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  if (r.profile) lines.push('', r.profile);
  return lines.join('\n');
}

/** A markdown table; `right` marks the columns to right-align (numbers). */
function mdTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  right: readonly number[] = [],
): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `| ${header.map((_, i) => (right.includes(i) ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** Right-aligned (numeric) columns of the HTTP tables. */
const HTTP_NUMERIC = [1, 2, 3, 4, 5, 7];

/** The generated section of docs/benchmarks.md. */
export function formatMarkdown(r: BenchReport): string {
  const c = r.ceiling?.rps;
  const out: string[] = [];
  out.push(`Run of ${r.date} on commit \`${r.commit}\`: \`${r.command}\``);
  out.push('');
  out.push(
    `Machine: ${r.machine.cpus} CPUs (${r.machine.cpuModel}), ${r.machine.memGiB.toFixed(1)} GiB RAM, ${r.machine.os}; Node ${r.machine.node}, Redis ${r.machine.redis}, PostgreSQL ${r.machine.postgres}. ` +
      'The load driver, the shop and its infrastructure share these CPUs.',
  );
  out.push('');
  const http = [r.ceiling, r.framework, r.soldOut, r.rateLimited].filter(
    (f): f is HttpFigure => f !== null,
  );
  if (http.length) out.push(mdTable(HTTP_HEADER, httpRows(http, c), HTTP_NUMERIC), '');
  if (r.accepted.length) {
    const knee = findKnee(r.accepted);
    const rows = markKnee(httpRows(r.accepted, c), knee, (marks) => ` (**${marks}**)`);
    out.push(
      'Accepted path, stepping connections (closed model):',
      '',
      mdTable(HTTP_HEADER, rows, HTTP_NUMERIC),
      '',
    );
    out.push(
      `Saturation: ${knee.maxRps.toFixed(0)} req/s (${ratio(knee.maxRps, c)} of the HTTP ceiling).`,
      '',
    );
  }
  if (r.redis.length || r.postgres) {
    const rows = storeCeilingRows(r, '');
    const commands = r.redis.map((x) => x.command);
    if (r.postgres) commands.push(r.postgres.command);
    out.push(
      mdTable(STORE_CEILING_HEADER, rows, [1, 2, 3, 4]),
      '',
      'The ceilings were measured with:',
      '',
      '```',
      ...commands,
      '```',
      '',
    );
  }
  const targets = evaluateTargets(r);
  if (targets.length) {
    out.push(
      mdTable(
        ['target', 'wanted', 'measured', 'result'],
        targets.map((t) => [t.name, t.target, t.measured, t.met ? 'met' : `**missed** (${t.gap})`]),
      ),
      '',
    );
  }
  const env = Object.entries(r.gatewayEnv)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  if (env)
    out.push(
      `Bench gateways: the shop's gateway build with ${env} (rate-limited run: see the notes).`,
      '',
    );
  const footnote = disturbanceNote(r);
  if (footnote) out.push(`- ${footnote}`);
  for (const n of r.notes) out.push(`- ${n}`);
  if (r.notes.length || footnote) out.push('');
  if (r.profile) out.push('```', r.profile, '```', '');
  return out.join('\n').trimEnd() + '\n';
}

export const DOC_BEGIN =
  '<!-- bench:hot-path:begin (generated by npm run bench -- hot-path --update-docs) -->';
export const DOC_END = '<!-- bench:hot-path:end -->';

/** Replaces the generated section of a document (or appends one); markers default to hot-path's. */
export function replaceSection(
  doc: string,
  section: string,
  markers: { readonly begin: string; readonly end: string } = { begin: DOC_BEGIN, end: DOC_END },
): string {
  const begin = doc.indexOf(markers.begin);
  const end = doc.indexOf(markers.end);
  const block = `${markers.begin}\n\n${section.trimEnd()}\n\n${markers.end}`;
  if (begin >= 0 && end > begin)
    return doc.slice(0, begin) + block + doc.slice(end + markers.end.length);
  return `${doc.trimEnd()}\n\n${block}\n`;
}

/** Zero counts for every outcome (a starting point for HttpFigure.counts). */
export function zeroCounts(): Record<Outcome, number> {
  return Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
}

/** Labels the knee and the operating point in the first cell of the accepted-path rows. */
function markKnee(rows: string[][], knee: Knee, format: (marks: string) => string): string[][] {
  return rows.map((row, i) => {
    const marks = [
      i === knee.kneeIndex ? 'knee' : '',
      i === knee.operatingIndex ? 'operating point' : '',
    ]
      .filter(Boolean)
      .join(', ');
    return [(row[0] ?? '') + (marks ? format(marks) : ''), ...row.slice(1)];
  });
}
