/**
 * Command-line options of the scenarios, declared once with their defaults and help (the usage
 * text is made from them). `camelCase` keys are `--kebab-case` options. Pure.
 */
import {
  UsageError,
  parseDuration,
  parseIntOption,
  parseList,
  parseOptions,
  parseUrl,
} from './infra';

export interface OptionSpec<T> {
  readonly kind: 'int' | 'optionalInt' | 'seconds' | 'list' | 'flag' | 'url' | 'choice';
  readonly default: T;
  readonly help: string;
  readonly min: number;
  readonly max: number;
  /** The accepted values of a `choice`. */
  readonly choices?: readonly string[];
}

export type OptionSpecs = Readonly<Record<string, OptionSpec<unknown>>>;
export type OptionValues<S extends OptionSpecs> = {
  readonly [K in keyof S]: S[K] extends OptionSpec<infer T> ? T : never;
};

export const int = (def: number, help: string, min = 1, max = 10_000_000): OptionSpec<number> => ({
  kind: 'int',
  default: def,
  help,
  min,
  max,
});
export const optionalInt = (
  help: string,
  min = 1,
  max = 10_000_000,
): OptionSpec<number | null> => ({
  kind: 'optionalInt',
  default: null,
  help,
  min,
  max,
});
export const seconds = (def: number, help: string): OptionSpec<number> => ({
  kind: 'seconds',
  default: def,
  help,
  min: 0,
  max: 86_400,
});
export const list = (
  def: readonly number[],
  help: string,
  min = 1,
  max = 10_000_000,
): OptionSpec<readonly number[]> => ({ kind: 'list', default: def, help, min, max });
export const flag = (help: string): OptionSpec<boolean> => ({
  kind: 'flag',
  default: false,
  help,
  min: 0,
  max: 0,
});
export const url = (def: string, help: string): OptionSpec<string> => ({
  kind: 'url',
  default: def,
  help,
  min: 0,
  max: 0,
});

/** One of a few words, e.g. `--flow sync`. */
export const choice = <T extends string>(
  choices: readonly T[],
  def: T,
  help: string,
): OptionSpec<T> => ({ kind: 'choice', default: def, help, min: 0, max: 0, choices });

/** The options every scenario has. */
export const COMMON_OPTIONS = {
  url: url('http://127.0.0.1:3000', 'the gateway (must be on this machine)'),
  timeout: seconds(10, 'per-request timeout; no answer by then is a transport error'),
  settleTimeout: seconds(120, 'how long to wait for the saga to settle every accepted order'),
  idleTimeout: seconds(
    60,
    "before each stage against the shop, how long to wait at most for the saga's lag to reach 0",
  ),
  replayRefusals: int(200, 'how many definite refusals (409/429/4xx) to replay as a spot check', 0),
  replayMax: int(20_000, 'at most this many unsettled answers (5xx, no answer) to replay', 0),
  noIdleWait: flag("start each stage at once, whatever the saga's lag"),
  noCeiling: flag("skip the generator's ceiling (the figures then say nothing about it)"),
  noVerify: flag("skip the verifier's check of the run's sale (npm run verify) at the end"),
  flow: choice(
    ['events', 'sync'] as const,
    'events',
    "how the run's sale is sold: events (the shop) or sync (the synchronous baseline, ADR 0012)",
  ),
};
export type CommonOptions = OptionValues<typeof COMMON_OPTIONS>;

export function cliName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function formatDefault(spec: OptionSpec<unknown>): string {
  const d = spec.default;
  if (spec.kind === 'flag' || d === null) return '';
  if (spec.kind === 'seconds') return ` (default ${String(d)}s)`;
  if (Array.isArray(d)) return ` (default ${d.join(',')})`;
  return ` (default ${String(d)})`;
}

function placeholder(spec: OptionSpec<unknown>): string {
  switch (spec.kind) {
    case 'flag':
      return '';
    case 'seconds':
      return ' <time>';
    case 'list':
      return ' <a,b,…>';
    case 'url':
      return ' <url>';
    case 'choice':
      return ` <${(spec.choices ?? []).join('|')}>`;
    default:
      return ' <n>';
  }
}

export function usageLines(specs: OptionSpecs): string[] {
  const rows = Object.entries(specs).map(([key, spec]) => [
    `${cliName(key)}${placeholder(spec)}`,
    `${spec.help}${formatDefault(spec)}`,
  ]);
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, help]) => `  ${name.padEnd(width)}  ${help}`);
}

export function parseScenarioOptions<S extends OptionSpecs>(
  specs: S,
  argv: readonly string[],
): OptionValues<S> {
  const entries = Object.entries(specs);
  const valued = entries.filter(([, s]) => s.kind !== 'flag').map(([k]) => cliName(k));
  const flags = entries.filter(([, s]) => s.kind === 'flag').map(([k]) => cliName(k));
  const { values, flags: seen, positional } = parseOptions(argv, valued, flags);
  if (positional.length) throw new UsageError(`unexpected argument: ${positional.join(' ')}`);
  const out: Record<string, unknown> = {};
  for (const [key, spec] of entries) {
    const name = cliName(key);
    const text = values.get(name);
    if (spec.kind === 'flag') out[key] = seen.has(name);
    else if (text === undefined) out[key] = spec.default;
    else if (spec.kind === 'int' || spec.kind === 'optionalInt')
      out[key] = parseIntOption(name, text, spec.min, spec.max);
    else if (spec.kind === 'seconds') out[key] = parseDuration(text);
    else if (spec.kind === 'list') out[key] = parseList(name, text, spec.min, spec.max);
    else if (spec.kind === 'choice') out[key] = parseChoice(name, text, spec.choices ?? []);
    else out[key] = parseUrl(text);
  }
  return out as OptionValues<S>;
}

function parseChoice(name: string, text: string, choices: readonly string[]): string {
  if (!choices.includes(text)) {
    throw new UsageError(`${name} must be one of ${choices.join(', ')}, not "${text}"`);
  }
  return text;
}
