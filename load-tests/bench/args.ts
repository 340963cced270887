/**
 * The command line of `npm run bench`. The parsing itself is infra/cli/command-line.ts, the one
 * layer of every command.
 */
import {
  UsageError,
  command,
  parseDuration,
  custom,
  flag,
  int,
  list,
  parseCommandLine,
  seconds,
  url,
} from '../engine/infra';

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

const SKIPPABLE = ['http', 'redis', 'postgres'];
const d = BENCH_DEFAULTS;
const quick = { acceptedSteps: [1, 4, 16, 64], stepSec: 4, warmupSec: 1, users: 500 };

/** Another benchmark, with a command line of its own: its arguments, as given. */
const delegated = <K extends string>(kind: K, summary: string) =>
  command({
    summary,
    passThrough: true,
    options: {},
    build: (_o, argv) => ({ kind, argv }),
  });

export const BENCH_CLI = {
  name: 'bench',
  usage: [
    'npm run bench -- hot-path [options]',
    'npm run bench -- drain [options]    (the whole saga drains a backlog; drain --help)',
    'npm run bench -- compare [options]  (event-driven vs the synchronous baseline; compare --help)',
    'npm run bench -- tracing [options]  (what OpenTelemetry costs, on against off; tracing --help)',
  ],
  description: `The design brief's performance figures, each as a ratio to a ceiling measured in the same run
on the same machine (docs/benchmarks.md).`,
  noun: 'benchmark',
  commandsTitle: 'Benchmarks:',
  commands: {
    'hot-path': command({
      summary: `Measures, in one run with one load driver (autocannon):
the HTTP ceiling (a bare node:http server; a bare Fastify route for reference), the
rejected path (sold out: the gateway's fast path; rate limited: token buckets), the accepted
path (stepping connections to find the knee), the Redis ceiling (redis-benchmark EVALSHA of
the admission and token-bucket scripts) and the Postgres ceiling (pgbench, conditional
decrement, scratch database), then judges the brief's targets: rejected >= 80 % of the
HTTP ceiling; accepted >= 50 % with p99 <= 25 ms.
The shop's order-service, Redis and PostgreSQL must be running (npm run shop -- --detach) and
the code compiled (npm run compile): the bench starts its own gateways from dist/ on ports
3180-3183 and its ceiling server on 3190, and stops them by pid.`,
      options: {
        connections: int(d.connections, 'connections of the flat-out runs', 1, 10_000),
        acceptedSteps: list(d.acceptedSteps, 'connection steps of the accepted path', 1, 10_000),
        step: seconds(d.stepSec, 'length of each measured run'),
        warmup: seconds(d.warmupSec, 'warm-up before each run'),
        users: int(d.users, 'distinct users with dev tokens', 1, 1_000_000),
        orderServiceUrl: url(d.orderServiceUrl, 'where the bench gateways forward'),
        skip: custom<ReadonlySet<string>>(
          '<parts>',
          d.skip,
          'leave out: http, redis, postgres (comma-separated)',
          (text) => {
            const skip = new Set(
              text
                .split(',')
                .map((p) => p.trim())
                .filter(Boolean),
            );
            for (const p of skip)
              if (!SKIPPABLE.includes(p))
                throw new UsageError(`--skip takes ${SKIPPABLE.join(', ')}; got ${p}`);
            return skip;
          },
          { shownDefault: '' },
        ),
        waitQuiet: custom(
          '<time>',
          0,
          'first wait (up to <time>) for 5 quiet seconds: processes outside the shop under 10 % of a core, no shop service above 10 % (for a shared machine; runs disturbed anyway are marked †)',
          (text) => parseDuration(text),
          { shownDefault: '' },
        ),
        quick: flag('short steps (4 s), fewer steps and users: a smoke run'),
        profile: flag(
          'afterwards, profile gateway and order-service (node --cpu-prof) on an accepted run and print the top frames',
        ),
        updateDocs: flag("write this run's figures into docs/benchmarks.md"),
      },
      build: (o, _positional, given) => {
        // --quick changes the defaults; an explicit option still wins.
        const q = o.quick && !given.has('acceptedSteps') ? quick.acceptedSteps : o.acceptedSteps;
        const options: BenchOptions = {
          orderServiceUrl: o.orderServiceUrl,
          connections: o.connections,
          acceptedSteps: q,
          stepSec: o.quick && !given.has('step') ? quick.stepSec : o.step,
          warmupSec: o.quick && !given.has('warmup') ? quick.warmupSec : o.warmup,
          users: o.quick && !given.has('users') ? quick.users : o.users,
          profile: o.profile,
          updateDocs: o.updateDocs,
          skip: given.has('skip') ? o.skip : new Set<string>(),
          waitQuietSec: o.waitQuiet,
        };
        return { kind: 'hot-path' as const, options };
      },
    }),
    drain: delegated('drain', 'the whole saga drains a backlog (npm run bench -- drain --help)'),
    compare: delegated(
      'compare',
      'event-driven vs the synchronous baseline (npm run bench -- compare --help)',
    ),
    tracing: delegated(
      'tracing',
      'what OpenTelemetry costs, on against off (npm run bench -- tracing --help)',
    ),
  },
};

export type BenchCommand = ReturnType<typeof parseBenchArgs>;

export function parseBenchArgs(argv: readonly string[]) {
  return parseCommandLine(BENCH_CLI, argv);
}
