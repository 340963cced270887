/**
 * The front door of `npm run load -- <scenario> [options] | --help` (infra/cli/load.ts starts
 * it): the usage text, the arguments, Ctrl-C, the exit code.
 */
import { stopAttacks } from './engine/attack';
import { stopAllChildren } from './bench/children';
import { ApiError } from './bench/shop-api';
import { command, helpText, lineLogger, parseCommandLine, runCommandLine } from './engine/infra';
import { COMMON_OPTIONS, type CommonOptions, type OptionValues } from './engine/options';
import { runScenario } from './engine/run';
import type { Scenario } from './engine/scenario';
import { SCENARIOS } from './scenarios';

type RunCommand = {
  readonly kind: 'run';
  readonly scenario: Scenario;
  readonly options: OptionValues<Scenario['options']> & CommonOptions;
};

export const LOAD_CLI = {
  name: 'load',
  usage: 'npm run load -- <scenario> [options]',
  description: `Open-model load against the running shop: requests arrive on a timetable (vegeta), not when
answers come back. Each run ends with the business checks (stock conserved, per-user limit, no
ambiguous answer) and the scenario's thresholds; exit 1 if any fails. It measures the
generator's own ceiling against a bare node:http server, and writes summary.json, results.json
and plot.html to .cache/load/<run-id>/.`,
  noun: 'scenario',
  common: COMMON_OPTIONS,
  commands: Object.fromEntries(
    SCENARIOS.map((scenario) => [
      scenario.name,
      command({
        summary: scenario.description,
        options: { ...COMMON_OPTIONS, ...scenario.options },
        build: (options): RunCommand => ({
          kind: 'run',
          scenario,
          options: options as unknown as RunCommand['options'],
        }),
      }),
    ]),
  ),
  footer: `Times are like 10, 10s, 1.5s, 2m, 500ms. The gateway needs DEV_TOKEN_ENABLED=true (the local
runner sets it). vegeta v12.13.0 is installed into .tools/bin/ on first use (needs Go).
Start the shop first: npm run shop -- --detach`,
};

export const USAGE = helpText(LOAD_CLI);

export type LoadCommand = ReturnType<typeof parseLoadCommand>;

export function parseLoadCommand(argv: readonly string[]) {
  return parseCommandLine(LOAD_CLI, argv);
}

/** Runs the command line; resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const run = runCommandLine(LOAD_CLI, argv);
  if (typeof run === 'number') return run;
  const command = run;
  const log = lineLogger();
  process.once('SIGINT', () => {
    log('\nload: interrupted; stopping vegeta and the servers this run started');
    stopAttacks();
    void stopAllChildren().then(() => process.exit(130));
  });
  try {
    const result = await runScenario(command.scenario, command.options, log);
    log('');
    log(`${command.scenario.name}: ${result.ok ? 'all checks and thresholds passed' : 'FAILED'}`);
    return result.ok ? 0 : 1;
  } catch (err) {
    if (err instanceof ApiError && err.status === null)
      throw new Error(
        `${err.message}\nIs the shop running? npm run shop -- --detach (then npm run shop -- status)`,
        { cause: err },
      );
    throw err;
  } finally {
    await stopAllChildren();
  }
}
