/**
 * npm run bench -- hot-path | drain | compare | tracing [options] | --help
 *
 * The design brief's performance figures, each as a ratio to a ceiling measured in the same run
 * on the same machine (see infra/bench/hot-path-bench.ts and docs/benchmarks.md).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as prettier from 'prettier';
import { BENCH_DEFAULTS, lineLogger, parseCommandLine, parseBenchArgs } from '../bench/args';
import { stopAllChildren } from '../bench/children';
import {
  DRAIN_DOC_MARKERS,
  DRAIN_USAGE,
  formatDrainMarkdown,
  formatDrainReport,
  parseDrainCommand,
  runDrainBench,
} from '../bench/drain-bench';
import { runHotPathBench } from '../bench/hot-path-bench';
import { formatMarkdown, formatReport, replaceSection } from '../bench/report';
import { runSagaDrain } from '../bench/saga-drain';
import {
  formatSagaDrainMarkdown,
  formatSagaDrainReport,
  SAGA_DRAIN_DOC_MARKERS,
  sagaChecks,
  sagaLagChart,
} from '../bench/saga-drain-report';
import { repoRoot } from '../local/infra-paths';

/** load-tests/compare/cli.ts, loaded by path like `npm run load` (a project of its own). */
interface CompareCli {
  main(
    argv: readonly string[],
    writeDoc: (section: string, markers: { begin: string; end: string }) => Promise<string>,
  ): Promise<number>;
}

/** load-tests/compare/tracing-cli.ts: tracing on against off, loaded by path the same way. */
async function tracingMain(argv: readonly string[]): Promise<number> {
  const cli = (await import(path.join(repoRoot(), 'load-tests', 'compare', 'tracing-cli.ts'))) as {
    main(argv: readonly string[]): Promise<number>;
  };
  return cli.main(argv);
}

async function compareMain(argv: readonly string[]): Promise<number> {
  const cli = (await import(
    path.join(repoRoot(), 'load-tests', 'compare', 'cli.ts')
  )) as CompareCli;
  return cli.main(argv, writeDocSection);
}

const d = BENCH_DEFAULTS;
const USAGE = `Usage: npm run bench -- hot-path [options]
       npm run bench -- drain [options]    (the whole saga drains a backlog; drain --help)
       npm run bench -- compare [options]  (event-driven vs the synchronous baseline; compare --help)
       npm run bench -- tracing [options]  (what OpenTelemetry costs, on against off; tracing --help)

Measures, in one run with one load driver (autocannon):
  the HTTP ceiling (a bare node:http server; a bare Fastify route for reference), the
  rejected path (sold out: the gateway's fast path; rate limited: token buckets), the accepted
  path (stepping connections to find the knee), the Redis ceiling (redis-benchmark EVALSHA of
  the admission and token-bucket scripts) and the Postgres ceiling (pgbench, conditional
  decrement, scratch database), then judges the brief's targets: rejected >= 80 % of the
  HTTP ceiling; accepted >= 50 % with p99 <= 25 ms.

The shop's order-service, Redis and PostgreSQL must be running (npm run shop -- --detach) and
the code compiled (npm run compile): the bench starts its own gateways from dist/ on ports
3180-3183 and its ceiling server on 3190, and stops them by pid.

Options:
  --connections <n>        connections of the flat-out runs (default ${d.connections})
  --accepted-steps <list>  connection steps of the accepted path (default ${d.acceptedSteps.join(',')})
  --step <time>            length of each measured run (default ${d.stepSec}s)
  --warmup <time>          warm-up before each run (default ${d.warmupSec}s)
  --users <n>              distinct users with dev tokens (default ${d.users})
  --order-service-url <u>  where the bench gateways forward (default ${d.orderServiceUrl})
  --skip <parts>           leave out: http, redis, postgres (comma-separated)
  --wait-quiet <time>      first wait (up to <time>) for 5 quiet seconds: processes outside
                           the shop under 10 % of a core, no shop service above 10 % (for a
                           shared machine; runs disturbed anyway are marked †)
  --quick                  short steps (4 s), fewer steps and users: a smoke run
  --profile                afterwards, profile gateway and order-service (node --cpu-prof) on
                           an accepted run and print the top frames
  --update-docs            write this run's figures into docs/benchmarks.md
`;

async function writeDocSection(
  section: string,
  markers?: { readonly begin: string; readonly end: string },
): Promise<string> {
  const file = path.join(repoRoot(), 'docs', 'benchmarks.md');
  const doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  const updated = replaceSection(doc, section, markers);
  // Formatted as `npm run format:check` wants it (tables aligned).
  const config = (await prettier.resolveConfig(file)) ?? {};
  fs.writeFileSync(file, await prettier.format(updated, { ...config, filepath: file }));
  return path.relative(process.cwd(), file);
}

/** The chart of the whole-saga drain in the docs, and its path relative to docs/benchmarks.md. */
const DRAIN_CHART = {
  file: path.join('docs', 'bench', 'drain-lag.svg'),
  link: 'bench/drain-lag.svg',
};

/**
 * npm run bench -- drain: the whole saga drains a backlog (infra/bench/saga-drain.ts), or with
 * --runner-only the consumer's rate cap and backlog drain (infra/bench/drain-bench.ts).
 */
async function drainMain(argv: readonly string[]): Promise<number> {
  const command = parseCommandLine(
    'bench',
    DRAIN_USAGE,
    (args) =>
      args.includes('--help') || args.includes('-h')
        ? ({ kind: 'help' } as const)
        : parseDrainCommand(args),
    argv,
  );
  if (typeof command === 'number') return command;
  const log = lineLogger();
  const invocation = `npm run bench -- drain ${argv.join(' ')}`.trim();
  if (command.kind === 'saga') {
    const { report, files } = await runSagaDrain(command.options, invocation, log);
    log('');
    log(formatSagaDrainReport(report));
    log(`\nchart and samples: ${files.join(', ')}`);
    if (command.updateDocs) {
      fs.mkdirSync(path.join(repoRoot(), path.dirname(DRAIN_CHART.file)), { recursive: true });
      fs.writeFileSync(path.join(repoRoot(), DRAIN_CHART.file), sagaLagChart(report));
      const file = await writeDocSection(
        formatSagaDrainMarkdown(report, DRAIN_CHART.link),
        SAGA_DRAIN_DOC_MARKERS,
      );
      log(`figures written to ${file}, chart to ${DRAIN_CHART.file}`);
    }
    // A missed target is a figure; a broken invariant is a failure.
    const broken = report.ledger
      ? sagaChecks(report.ledger, report.admission.accepted).filter((c) => !c.ok)
      : [];
    if (broken.length > 0)
      log(`\n${broken.length} invariant check(s) FAILED: see "check FAIL" above`);
    return broken.length > 0 ? 1 : 0;
  }
  const report = await runDrainBench(command.options, log);
  log('');
  log(formatDrainReport(report));
  if (command.updateDocs) {
    const file = await writeDocSection(
      formatDrainMarkdown(report, invocation, new Date()),
      DRAIN_DOC_MARKERS,
    );
    log(`\nfigures written to ${file}`);
  }
  return 0;
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === 'drain') return drainMain(argv.slice(1));
  if (argv[0] === 'compare') return compareMain(argv.slice(1));
  if (argv[0] === 'tracing') return tracingMain(argv.slice(1));
  const command = parseCommandLine('bench', USAGE, parseBenchArgs, argv);
  if (typeof command === 'number') return command;
  const log = lineLogger();
  const onSignal = (): void => {
    void stopAllChildren().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const invocation = `npm run bench -- ${argv.join(' ')}`;
  const report = await runHotPathBench(command.options, invocation, log);
  log('');
  log('='.repeat(100));
  log(formatReport(report));
  if (command.options.updateDocs) {
    const file = await writeDocSection(formatMarkdown(report));
    log('');
    log(`figures written to ${file}`);
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`\nbench: error: ${err instanceof Error ? err.message : String(err)}\n`);
      void stopAllChildren().then(() => process.exit(1));
    },
  );
}
