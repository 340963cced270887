/**
 * Argument parsing for `npm run bench`, and the command-line front door every CLI here shares. Pure.
 */

export class UsageError extends Error {}

/** "20", "20s", "1.5s", "2m", "500ms" → seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new UsageError(`not a duration: "${text}" (e.g. 30, 30s, 2m, 500ms)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const sec = unit === 'ms' ? n / 1000 : unit === 'm' ? n * 60 : n;
  if (!(sec > 0)) throw new UsageError(`duration must be positive, got "${text}"`);
  return sec;
}

export function parseIntOption(
  name: string,
  text: string | undefined,
  min: number,
  max: number,
): number {
  if (text === undefined || !/^\d+$/.test(text))
    throw new UsageError(`${name} takes an integer, got ${text ?? 'nothing'}`);
  const n = Number(text);
  if (n < min || n > max) throw new UsageError(`${name} must be in [${min}, ${max}], got ${n}`);
  return n;
}

export function parseList(
  name: string,
  text: string | undefined,
  min: number,
  max: number,
): number[] {
  if (!text) throw new UsageError(`${name} takes a comma-separated list of integers`);
  return text.split(',').map((part) => parseIntOption(name, part.trim(), min, max));
}

/**
 * Splits argv into `--name value` / `--name=value` options and flags. `flags` names the options
 * that take no value. Unknown options are an error.
 */
export function parseOptions(
  argv: readonly string[],
  valued: readonly string[],
  flags: readonly string[] = [],
): { values: Map<string, string>; flags: Set<string>; positional: string[] } {
  const values = new Map<string, string>();
  const seenFlags = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(0, eq) : a;
    if (flags.includes(name)) {
      if (eq >= 0) throw new UsageError(`${name} takes no value`);
      seenFlags.add(name);
      continue;
    }
    if (!valued.includes(name)) throw new UsageError(`unknown option ${name}`);
    const value = eq >= 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--')))
      throw new UsageError(`${name} needs a value`);
    values.set(name, value);
  }
  return { values, flags: seenFlags, positional };
}

export function parseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`not a URL: ${text}`);
  }
  if (url.protocol !== 'http:')
    throw new UsageError(`only http:// URLs are supported, got ${text}`);
  // A load test only ever targets this machine (loopback), never another host.
  if (!isLoopback(url.hostname))
    throw new UsageError(
      `the target must be on this machine (127.0.0.0/8, localhost, [::1]), got ${url.hostname}`,
    );
  return url.origin;
}

export function isLoopback(hostname: string): boolean {
  if (hostname === 'localhost' || hostname === '[::1]' || hostname === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

// ---------------------------------------------------------------------------------------------
// npm run bench -- hot-path

export interface BenchOptions {
  /** The order-service the bench's own gateways forward to. */
  readonly orderServiceUrl: string;
  /** Connections of the flat-out runs (ceiling, rejected paths). */
  readonly connections: number;
  /** The connection steps of the accepted path, to find its knee. */
  readonly acceptedSteps: readonly number[];
  readonly stepSec: number;
  readonly warmupSec: number;
  readonly users: number;
  /** Also profile the bench gateway (node --cpu-prof) during the accepted path. */
  readonly profile: boolean;
  /** Replace the generated section of docs/benchmarks.md with this run's figures. */
  readonly updateDocs: boolean;
  /** Parts to leave out: redis, postgres, http. */
  readonly skip: ReadonlySet<string>;
  /** Wait up to this long (s) for 5 quiet seconds (no outside process above 10 % CPU) first. */
  readonly waitQuietSec: number;
}

export const BENCH_DEFAULTS: BenchOptions = {
  orderServiceUrl: 'http://127.0.0.1:3001',
  connections: 64,
  acceptedSteps: [1, 2, 4, 8, 16, 32, 64],
  stepSec: 10,
  warmupSec: 3,
  users: 5000,
  profile: false,
  updateDocs: false,
  skip: new Set(),
  waitQuietSec: 0,
};

export type BenchCommand =
  { readonly kind: 'help' } | { readonly kind: 'hot-path'; readonly options: BenchOptions };

const SKIPPABLE = ['http', 'redis', 'postgres'];

export function parseBenchArgs(argv: readonly string[]): BenchCommand {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h') || argv[0] === 'help')
    return { kind: 'help' };
  const [what, ...rest] = argv;
  if (what !== 'hot-path')
    throw new UsageError(`unknown benchmark "${what}" (known: hot-path, drain)`);
  const { values, flags, positional } = parseOptions(
    rest,
    [
      '--order-service-url',
      '--connections',
      '--accepted-steps',
      '--step',
      '--warmup',
      '--users',
      '--skip',
      '--wait-quiet',
    ],
    ['--profile', '--update-docs', '--quick'],
  );
  if (positional.length) throw new UsageError(`unexpected argument: ${positional.join(' ')}`);
  const d = BENCH_DEFAULTS;
  const quick = flags.has('--quick');
  const skip = new Set(
    (values.get('--skip') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  for (const s of skip)
    if (!SKIPPABLE.includes(s))
      throw new UsageError(`--skip takes ${SKIPPABLE.join(', ')}; got ${s}`);
  return {
    kind: 'hot-path',
    options: {
      orderServiceUrl: values.has('--order-service-url')
        ? parseUrl(values.get('--order-service-url') ?? '')
        : d.orderServiceUrl,
      connections: values.has('--connections')
        ? parseIntOption('--connections', values.get('--connections'), 1, 10_000)
        : d.connections,
      acceptedSteps: values.has('--accepted-steps')
        ? parseList('--accepted-steps', values.get('--accepted-steps'), 1, 10_000)
        : quick
          ? [1, 4, 16, 64]
          : d.acceptedSteps,
      stepSec: values.has('--step')
        ? parseDuration(values.get('--step') ?? '')
        : quick
          ? 4
          : d.stepSec,
      warmupSec: values.has('--warmup')
        ? parseDuration(values.get('--warmup') ?? '')
        : quick
          ? 1
          : d.warmupSec,
      users: values.has('--users')
        ? parseIntOption('--users', values.get('--users'), 1, 1_000_000)
        : quick
          ? 500
          : d.users,
      profile: flags.has('--profile'),
      updateDocs: flags.has('--update-docs'),
      skip,
      waitQuietSec: values.has('--wait-quiet')
        ? parseDuration(values.get('--wait-quiet') ?? '')
        : 0,
    },
  };
}

/**
 * The front door of `npm run load` and `npm run bench`: parses the arguments, prints the usage
 * for help (exit 0) or for a usage error with its message (exit 2). Returns the command to run,
 * or the exit code when there is nothing to run.
 */
export function parseCommandLine<C extends { readonly kind: string }>(
  name: string,
  usage: string,
  parse: (argv: readonly string[]) => C,
  argv: readonly string[],
): Exclude<C, { readonly kind: 'help' }> | number {
  let command: C;
  try {
    command = parse(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${name}: ${err.message}\n\n${usage}`);
      return 2;
    }
    throw err;
  }
  if (command.kind === 'help') {
    process.stdout.write(usage);
    return 0;
  }
  return command as Exclude<C, { readonly kind: 'help' }>;
}

/** Progress lines to stdout. */
export function lineLogger(): (line: string) => void {
  return (line) => {
    process.stdout.write(`${line}\n`);
  };
}
