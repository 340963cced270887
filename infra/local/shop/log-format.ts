/**
 * Renders the services' JSON log lines (pino: level, time, service, pid, msg, ...) as one compact,
 * human-readable line each: `<service> <HH:MM:SS> <LEVEL> [context] <msg> key=value ...`.
 * Lines that are not JSON (start-up banners, a crash before the logger existed, the one-line
 * config error on stderr) are passed through behind the service prefix.
 */
import { SERVICE_NAMES } from '../services';
import { type Painter, type Style, painter } from './colors';

export interface RenderOptions {
  readonly paint?: Painter;
  /** Width the service name is padded to (the longest name by default). */
  readonly serviceWidth?: number;
  /** Longest rendered field value before it is cut with an ellipsis. */
  readonly maxFieldLength?: number;
  /** Stack lines shown under an error (after the message line). */
  readonly maxStackLines?: number;
  /** Formats a timestamp as HH:MM:SS; local time by default (tests pin it). */
  readonly clock?: (date: Date) => string;
}

export const SERVICE_WIDTH = Math.max(...SERVICE_NAMES.map((s) => s.length));

/** Fields shown elsewhere in the line, or noise for a human reader. */
const HIDDEN_FIELDS = new Set([
  'level',
  'time',
  'service',
  'pid',
  'hostname',
  'msg',
  'message',
  'v',
  'context',
  'stack',
  // kafkajs's own timestamp, a duplicate of time.
  'timestamp',
]);

const PINO_LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

const LEVEL_STYLE: Record<string, readonly Style[]> = {
  trace: ['gray'],
  debug: ['gray'],
  info: ['green'],
  warn: ['yellow'],
  error: ['red'],
  fatal: ['red', 'bold'],
};

const SERVICE_STYLES: readonly Style[] = ['cyan', 'magenta', 'blue', 'green', 'yellow', 'red'];

/** A stable colour per service, so one service's lines are easy to follow in the merged stream. */
export function serviceStyle(service: string): Style {
  const i = SERVICE_NAMES.findIndex((s) => s === service);
  if (i >= 0) return SERVICE_STYLES[i % SERVICE_STYLES.length];
  let h = 0;
  for (const ch of service) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return SERVICE_STYLES[h % SERVICE_STYLES.length];
}

export function localClock(date: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
}

export function levelName(level: unknown): string {
  if (typeof level === 'string') return level.toLowerCase();
  if (typeof level === 'number') return PINO_LEVELS[level] ?? String(level);
  return 'info';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, Math.max(0, max - 1))}…` : text;
}

/** A field value as it appears after `key=`: bare when unambiguous, JSON-quoted otherwise. */
export function formatValue(value: unknown, max = 200): string {
  if (typeof value === 'string') {
    const bare = /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
    return truncate(bare, max);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null)
    return String(value);
  if (value === undefined) return 'undefined';
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  return truncate(json ?? String(value), max);
}

/** pino's error serializer gives { type, message, stack }; show "Type: message". */
function errorSummary(err: unknown): { text: string; stack: string | undefined } {
  if (!isRecord(err)) return { text: formatValue(err), stack: undefined };
  const type =
    typeof err.type === 'string' ? err.type : typeof err.name === 'string' ? err.name : undefined;
  const message = typeof err.message === 'string' ? err.message : formatValue(err);
  const stack = typeof err.stack === 'string' ? err.stack : undefined;
  return { text: type && type !== 'Error' ? `${type}: ${message}` : message, stack };
}

function timeOf(time: unknown, clock: (d: Date) => string): string {
  if (typeof time === 'string' || typeof time === 'number') {
    const d = new Date(time);
    if (!Number.isNaN(d.getTime())) return clock(d);
  }
  return '--:--:--';
}

/** Renders one line of a service's log file (possibly followed by indented stack lines). */
export function renderLogLine(service: string, line: string, opts: RenderOptions = {}): string {
  const paint = opts.paint ?? painter(false);
  const width = opts.serviceWidth ?? SERVICE_WIDTH;
  const maxField = opts.maxFieldLength ?? 200;
  const prefix = paint.paint(service.padEnd(width), serviceStyle(service));
  const trimmed = line.replace(/\r$/, '');

  let entry: unknown;
  if (trimmed.startsWith('{')) {
    try {
      entry = JSON.parse(trimmed);
    } catch {
      entry = undefined;
    }
  }
  if (!isRecord(entry)) {
    // Our own start-up banners are dimmed; anything else (a crash, a config error) stays loud.
    return `${prefix} ${trimmed.startsWith('==== ') ? paint.paint(trimmed, 'dim') : trimmed}`;
  }

  const level = levelName(entry.level);
  const levelText = paint.paint(level.toUpperCase().padEnd(5), ...(LEVEL_STYLE[level] ?? []));
  const time = paint.paint(timeOf(entry.time, opts.clock ?? localClock), 'gray');
  const msgRaw =
    typeof entry.msg === 'string'
      ? entry.msg
      : typeof entry.message === 'string'
        ? entry.message
        : '';
  const context =
    typeof entry.context === 'string' ? paint.paint(`[${entry.context}] `, 'dim') : '';

  const fields: string[] = [];
  let stack: string | undefined = typeof entry.stack === 'string' ? entry.stack : undefined;
  for (const [key, value] of Object.entries(entry)) {
    if (HIDDEN_FIELDS.has(key)) continue;
    if (key === 'err' || key === 'error') {
      const e = errorSummary(value);
      fields.push(
        `${paint.paint(`${key}=`, 'dim')}${paint.paint(formatValue(e.text, maxField), 'red')}`,
      );
      stack = stack ?? e.stack;
      continue;
    }
    fields.push(`${paint.paint(`${key}=`, 'dim')}${formatValue(value, maxField)}`);
  }

  const head = [prefix, time, levelText, `${context}${msgRaw}`, ...fields]
    .filter((p) => p !== '')
    .join(' ');
  if (!stack || (level !== 'error' && level !== 'fatal')) return head;
  // The first stack line repeats the message; show the frames that say where.
  const frames = stack
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .slice(0, opts.maxStackLines ?? 6);
  const indent = ' '.repeat(width + 1);
  return [head, ...frames.map((f) => `${indent}${paint.paint(f, 'dim')}`)].join('\n');
}
