/**
 * The front door of `npm run bench -- compare [options] | --help`: the usage text, the options,
 * a shop that is not there, Ctrl-C, the exit code (0 when every invariant held in every run of
 * both designs, 1 otherwise, 2 on a usage error or a missing shop). What the designs' buyers
 * heard is the measurement, not a verdict: the baseline failing buyers is the finding.
 */
import { shopIsUp } from '../chaos/cli';
import { stopAttacks } from '../engine/attack';
import { command, helpText, lineLogger, parseCommandLine, runCommandLine } from '../engine/infra';
import { stopAllChildren } from '../bench/children';
import { COMMON_OPTIONS, flag, int, type OptionValues, seconds } from '../engine/options';
import { runCompare } from './compare';
import { COMPARE_DOC_MARKERS, compareMarkdown, formatCompare } from './report';

/** The load engine's options, but --flow: the comparison runs both. */
const COMMON = Object.fromEntries(
  Object.entries(COMMON_OPTIONS).filter(([key]) => key !== 'flow'),
) as Omit<typeof COMMON_OPTIONS, 'flow'>;

export const COMPARE_OPTIONS = {
  stock: int(100, 'flash-sale: units on sale'),
  buyersPerUnit: int(20, 'flash-sale: distinct buyers per unit in the instant burst'),
  rampFrom: int(200, 'flash-sale: the ramp on the sold-out sale starts at this many req/s'),
  rate: int(1000, 'flash-sale: the ramp ends at this many req/s'),
  duration: seconds(10, 'flash-sale: length of the ramp'),
  steadyRate: int(50, 'slow / down payment: arrivals per second of the steady crowd'),
  steadyDuration: seconds(30, 'slow / down payment: length of the steady crowd'),
  faultAt: seconds(5, 'slow / down payment: the fault, this long into the crowd'),
  downFor: seconds(10, 'slow / down payment: how long the provider is slow, or the service down'),
  latency: seconds(1, 'slow payment: how long each provider call takes while slow'),
  skipDownstream: flag('only the flash-sale phase (no slow or stopped payment)'),
  updateDocs: flag('write the figures into docs/benchmarks.md'),
};

export const COMPARE_CLI = {
  name: 'bench compare',
  usage: 'npm run bench -- compare [options]',
  description: `The seed's argument, measured: the same open-model crowds against both designs of the running
shop, one after the other: "events" (Redis admission, 202, the saga over Kafka) and "sync", the
synchronous baseline of ADR 0012 (a sale created with flow "sync": stock in PostgreSQL,
inventory, payment and logistics called over HTTP while the buyer waits). Phases:
  flash-sale     an instant burst of --buyers-per-unit x --stock buyers, then a ramp on the
                 sold-out sale (npm run load -- flash-sale), with the business checks and the
                 verifier, per design;
  slow payment   a steady crowd; the payment provider slows to --latency a call for --down-for
                 (npm run chaos -- slow-payment);
  payment down   a steady crowd; payment-service SIGKILLed for --down-for
                 (npm run chaos -- kill-consumer payment-service).
Prints, per phase and design: sent, bought, refused, shed, errors, p50/p99/max, bought/s,
kept of the stock, and whether every invariant held. Writes .cache/compare/compare-<time>.json.
Exit 0 when every invariant held in every run, 1 otherwise, 2 on a usage error or a missing
shop. About 6 minutes with the defaults. Start the shop first: npm run shop -- --detach`,
  command: command({
    options: { ...COMPARE_OPTIONS, ...COMMON },
    sections: [{ title: "Options of every run (the load engine's)", keys: Object.keys(COMMON) }],
    build: (options) => ({ kind: 'run' as const, options }),
  }),
};

export const USAGE = helpText(COMPARE_CLI);

export type CompareCommand = ReturnType<typeof parseCompareCommand>;

export function parseCompareCommand(argv: readonly string[]) {
  return parseCommandLine(COMPARE_CLI, argv);
}

/** Puts a Markdown section into docs/benchmarks.md between markers; resolves to the file. */
export type DocWriter = (
  section: string,
  markers: { readonly begin: string; readonly end: string },
) => Promise<string>;

/** Runs the command line; resolves to the exit code. */
export async function main(argv: readonly string[], writeDoc: DocWriter): Promise<number> {
  const command = runCommandLine(COMPARE_CLI, argv);
  if (typeof command === 'number') return command;
  const o = command.options;
  if (!(await shopIsUp(o.url))) {
    process.stderr.write(
      `bench compare: the shop is not ready at ${o.url}; start it with "npm run shop -- --detach" (then "npm run shop -- status")\n`,
    );
    return 2;
  }
  const log = lineLogger();
  const stopping = new AbortController();
  process.once('SIGINT', () => {
    log('\nbench compare: interrupted; stopping vegeta, then repairing any fault');
    stopping.abort();
    stopAttacks();
  });
  // The load engine's options go to every run; the comparison's own are read by name.
  const common = Object.fromEntries(
    Object.entries(o).filter(([key]) => key in COMMON),
  ) as OptionValues<typeof COMMON>;
  try {
    const report = await runCompare(
      { ...o, common: { ...common, flow: 'events' } },
      `npm run bench -- compare ${argv.join(' ')}`.trim(),
      log,
      stopping.signal,
    );
    log('');
    log('='.repeat(100));
    for (const line of formatCompare(report)) log(line);
    if (o.updateDocs) {
      const file = await writeDoc(compareMarkdown(report), COMPARE_DOC_MARKERS);
      log(`\nfigures written to ${file}`);
    }
    const broken = report.phases.flatMap((p) => p.designs).filter((d) => !d.invariantsHeld);
    if (broken.length > 0) log(`\n${broken.length} run(s) broke an invariant: see "invariants"`);
    return broken.length > 0 ? 1 : 0;
  } finally {
    await stopAllChildren();
  }
}
