/**
 * The front door of `npm run chaos -- <experiment> <target> [options] | --help`: the usage text,
 * the arguments, a shop that is not there, Ctrl-C, the exit code.
 */
import { stopAttacks } from '../engine/attack';
import {
  UsageError,
  command,
  helpText,
  lineLogger,
  parseCommandLine,
  runCommandLine,
} from '../engine/infra';
import { stopAllChildren } from '../bench/children';
import { COMMON_OPTIONS, type CommonOptions, type OptionValues } from '../engine/options';
import type { Experiment } from './experiment';
import killBroker from './kill-broker';
import killConsumer from './kill-consumer';
import killOrderService from './kill-order-service';
import restartPostgres from './restart-postgres';
import restartRedis from './restart-redis';
import slowPayment from './slow-payment';
import { runExperiment } from './run';

/** The experiments `npm run chaos -- <name>` knows, in the order `--help` lists them. */
export const EXPERIMENTS: readonly Experiment[] = [
  killConsumer,
  killOrderService,
  restartPostgres,
  restartRedis,
  killBroker,
  slowPayment,
];

type RunCommand = {
  readonly kind: 'run';
  readonly experiment: Experiment;
  /** '' for an experiment without one. */
  readonly target: string;
  readonly options: OptionValues<Experiment['options']> & CommonOptions;
};

export const CHAOS_CLI = {
  name: 'chaos',
  usage: 'npm run chaos -- <experiment> [target] [options]',
  description: `Breaks the running shop in the middle of a crowd, repairs it, and measures the recovery: the
load runs through the open-model engine (vegeta) with its business checks and thresholds (see
npm run load -- --help); every consumer group's lag is read from Kafka every 500 ms. Writes
chaos.json next to the load's files in .cache/load/<run-id>/. Exit 0 when the checks and
thresholds passed and every group the fault stalled caught up, 1 otherwise, 2 on a usage error
or a missing shop.`,
  noun: 'experiment',
  common: COMMON_OPTIONS,
  commandsTitle: 'Experiments:',
  commands: Object.fromEntries(
    EXPERIMENTS.map((experiment) => [
      experiment.name,
      command({
        summary: experiment.target
          ? `${experiment.target.name}: ${experiment.target.choices.join(', ')}\n${experiment.description}`
          : experiment.description,
        args: experiment.target ? `<${experiment.target.name}>` : undefined,
        options: { ...COMMON_OPTIONS, ...experiment.options },
        build: (options, positional): RunCommand => {
          let target = '';
          if (experiment.target) {
            const [given, ...extra] = positional;
            const { name: what, choices } = experiment.target;
            const resolved =
              given === undefined
                ? undefined
                : [given, `${given}-service`].find((t) => choices.includes(t));
            if (!resolved)
              throw new UsageError(
                `${experiment.name} needs its ${what}${given !== undefined ? ` (not "${given}")` : ''}: one of ${choices.join(', ')}`,
              );
            if (extra.length)
              throw new UsageError(
                `"${experiment.name}" takes one ${what}, got: ${positional.join(' ')}`,
              );
            target = resolved;
          }
          return {
            kind: 'run',
            experiment,
            target,
            options: { ...options, noCeiling: true } as unknown as RunCommand['options'],
          };
        },
      }),
    ]),
  ),
  footer: `The generator's ceiling is not measured (--no-ceiling is implied): a chaos run is about
recovery, not throughput. Start the shop first: npm run shop -- --detach`,
};

export const USAGE = helpText(CHAOS_CLI);

export type ChaosCommand = ReturnType<typeof parseChaosCommand>;

export function parseChaosCommand(argv: readonly string[]) {
  return parseCommandLine(CHAOS_CLI, argv);
}

/** The gateway answers, or the one line that says what to do. */
export async function shopIsUp(url: string): Promise<boolean> {
  try {
    const response = await fetch(new URL('/health/ready', url), {
      signal: AbortSignal.timeout(3_000),
    });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** Runs the command line; resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const command = runCommandLine(CHAOS_CLI, argv);
  if (typeof command === 'number') return command;
  const unmet = command.experiment.precondition?.() ?? null;
  if (unmet !== null) {
    process.stderr.write(`chaos: ${unmet}\n`);
    return 2;
  }
  if (!(await shopIsUp(command.options.url))) {
    process.stderr.write(
      `chaos: the shop is not ready at ${command.options.url}; start it with "npm run shop -- --detach" (then "npm run shop -- status")\n`,
    );
    return 2;
  }
  const log = lineLogger();
  const stopping = new AbortController();
  process.once('SIGINT', () => {
    log('\nchaos: interrupted; stopping vegeta, then repairing the fault');
    stopping.abort();
    stopAttacks();
  });
  try {
    const result = await runExperiment(
      command.experiment,
      command.target,
      command.options,
      log,
      stopping.signal,
    );
    log('');
    // A judged run (restart-redis --host-loss) expects some checks to fail: its verdict is
    // whether they failed exactly as the fault predicts, not whether every check passed.
    const verdict = result.judgement
      ? result.ok
        ? 'recovered; the checks and the verifier found exactly what the fault destroyed'
        : 'FAILED: the findings differ from what the fault destroyed (see above)'
      : result.ok
        ? 'recovered; every check passed'
        : 'FAILED';
    log(
      `chaos ${command.experiment.name}${command.target ? ` ${command.target}` : ''}: ${verdict}`,
    );
    return result.ok ? 0 : 1;
  } finally {
    await stopAllChildren();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`\nchaos: error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
