/**
 * The front door of `npm run load -- <scenario> [options] | --help` (infra/cli/load.ts starts
 * it): the usage text, the arguments, Ctrl-C, the exit code.
 */
import { stopAttacks } from './engine/attack';
import {
  ApiError,
  UsageError,
  lineLogger,
  parseCommandLine,
  stopAllChildren,
} from './engine/infra';
import {
  COMMON_OPTIONS,
  type CommonOptions,
  type OptionValues,
  parseScenarioOptions,
  usageLines,
} from './engine/options';
import { runScenario } from './engine/run';
import type { Scenario } from './engine/scenario';
import { SCENARIOS } from './scenarios';

const indent = (text: string, by: string): string =>
  text
    .split('\n')
    .map((l) => `${by}${l}`)
    .join('\n');

export const USAGE = `Usage: npm run load -- <scenario> [options]

Open-model load against the running shop: requests arrive on a timetable (vegeta), not when
answers come back. Each run ends with the business checks (stock conserved, per-user limit, no
ambiguous answer) and the scenario's thresholds; exit 1 if any fails. It measures the
generator's own ceiling against a bare node:http server, and writes summary.json, results.json
and plot.html to .cache/load/<run-id>/.

Scenarios:
${SCENARIOS.map(
  (s) =>
    `  ${s.name}\n${indent(s.description, '      ')}\n${usageLines(s.options)
      .map((l) => `    ${l}`)
      .join('\n')}`,
).join('\n\n')}

Options of every scenario:
${usageLines(COMMON_OPTIONS).join('\n')}

Times are like 10, 10s, 1.5s, 2m, 500ms. The gateway needs DEV_TOKEN_ENABLED=true (the local
runner sets it). vegeta v12.13.0 is installed into .tools/bin/ on first use (needs Go).
Start the shop first: npm run shop -- --detach
`;

export type LoadCommand =
  | { readonly kind: 'help' }
  | {
      readonly kind: 'run';
      readonly scenario: Scenario;
      readonly options: OptionValues<Scenario['options']> & CommonOptions;
    };

export function parseLoadCommand(argv: readonly string[]): LoadCommand {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h') || argv[0] === 'help')
    return { kind: 'help' };
  const [name, ...rest] = argv;
  const scenario = SCENARIOS.find((s) => s.name === name);
  if (!scenario)
    throw new UsageError(
      `unknown scenario "${name}" (known: ${SCENARIOS.map((s) => s.name).join(', ')})`,
    );
  const options = parseScenarioOptions({ ...COMMON_OPTIONS, ...scenario.options }, rest);
  return {
    kind: 'run',
    scenario,
    options: options as OptionValues<Scenario['options']> & CommonOptions,
  };
}

/** Runs the command line; resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const command = parseCommandLine('load', USAGE, parseLoadCommand, argv);
  if (typeof command === 'number') return command;
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
      );
    throw err;
  } finally {
    await stopAllChildren();
  }
}
