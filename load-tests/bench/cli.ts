/**
 * npm run bench -- hot-path | drain | compare | tracing [options] | --help
 *
 * The design brief's performance figures, each as a ratio to a ceiling measured in the same run
 * on the same machine (see load-tests/bench/hot-path-bench.ts and docs/benchmarks.md).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as prettier from 'prettier';
import { BENCH_CLI } from './args';
import { stopAllChildren } from './children';
import {
  DRAIN_CLI,
  DRAIN_DOC_MARKERS,
  formatDrainMarkdown,
  formatDrainReport,
  runDrainBench,
} from './drain-bench';
import { runHotPathBench } from './hot-path-bench';
import { formatMarkdown, formatReport, replaceSection } from './report';
import { runSagaDrain } from './saga-drain';
import {
  formatSagaDrainMarkdown,
  formatSagaDrainReport,
  SAGA_DRAIN_DOC_MARKERS,
  sagaChecks,
  sagaLagChart,
} from './saga-drain-report';
import { main as compareCli } from '../compare/cli';
import { main as tracingCli } from '../compare/tracing-cli';
import { repoRoot, lineLogger, runCommandLine } from '../engine/infra';

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
 * npm run bench -- drain: the whole saga drains a backlog (load-tests/bench/saga-drain.ts), or with
 * --runner-only the consumer's rate cap and backlog drain (load-tests/bench/drain-bench.ts).
 */
async function drainMain(argv: readonly string[]): Promise<number> {
  const command = runCommandLine(DRAIN_CLI, argv);
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
  const command = runCommandLine(BENCH_CLI, argv);
  if (typeof command === 'number') return command;
  if (command.kind === 'drain') return drainMain(command.argv);
  if (command.kind === 'compare') return compareCli(command.argv, writeDocSection);
  if (command.kind === 'tracing') return tracingCli(command.argv);
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
