/**
 * The front door of `npm run demo -- <name> [--url <gateway>] | --help`: the seed's seven demos
 * on the live shop (the catalogue is the control room's, infra/control-room/demo-catalogue.ts,
 * whose page runs these same commands and shows their lines). Prints the demo's title, seed
 * section and what to watch, runs it, prints its checks. Ctrl-C (SIGINT, which the page sends to
 * the whole process group) stops the load and undoes the demo's fault before it exits. Exit 0
 * when the demo's checks (the verifier's among them) passed, 1 otherwise or when interrupted,
 * 2 on a usage error or when the shop is not running.
 */
import { shopIsUp } from '../chaos/cli';
import { stopAttacks } from '../engine/attack';
import {
  DEMOS,
  DEMO_NAMES,
  type DemoName,
  UsageError,
  command,
  demoEntry,
  helpText,
  isDemoName,
  lineLogger,
  parseCommandLine,
  runCommandLine,
  url,
} from '../engine/infra';
import { stopAllChildren } from '../bench/children';
import {
  type Demo,
  type DemoCheck,
  type Log,
  errorText,
  headerLines,
  passed,
  verdictLines,
  wrap,
} from './demo';
import decoupling from './decoupling';
import idempotence from './idempotence';
import mqArchitecture from './mq-architecture';
import mqComparison from './mq-comparison';
import peakShaving from './peak-shaving';
import producerConsumer from './producer-consumer';
import reliability from './reliability';

/** Every demo of the catalogue, by its name: the record type makes a missing one a type error. */
export const DEMO_MODULES: Readonly<Record<DemoName, Demo>> = {
  'mq-architecture': mqArchitecture,
  'producer-consumer': producerConsumer,
  decoupling,
  'peak-shaving': peakShaving,
  reliability,
  idempotence,
  'mq-comparison': mqComparison,
};

const DEFAULT_URL = 'http://127.0.0.1:3000';

export const DEMO_CLI = {
  name: 'demo',
  usage: 'npm run demo -- <name> [--url <gateway>]',
  description: `The seed's seven demos, on the live shop: each runs the real load engine (vegeta) and the real
chaos experiments against the running services, prints what happens as it happens, and ends
with its own checks and the verifier's verdict. The control room runs these same commands.
Each takes under a minute or so; run one at a time. Exit 0 when every check passed, 1 when one
failed (or the demo was interrupted), 2 on a usage error or when the shop is not running.

Demos:
${DEMOS.map((d) =>
  [
    `  ${d.name.padEnd(18)} ${d.title}`,
    `${' '.repeat(21)}seed: <${d.seedDemo}Demo />, ${d.seedSection}`,
    ...wrap(`watch: ${d.watch}`, 96, ' '.repeat(21), ' '.repeat(28)),
  ].join('\n'),
).join('\n\n')}`,
  command: command({
    args: '<name>',
    options: { url: url(DEFAULT_URL, 'the gateway (must be on this machine)') },
    build: (o, positional) => {
      if (positional.length === 0)
        throw new UsageError(`which demo? one of ${DEMO_NAMES.join(', ')}`);
      if (positional.length > 1)
        throw new UsageError(`one demo at a time, not ${positional.join(' ')}`);
      const [name] = positional;
      if (!isDemoName(name))
        throw new UsageError(`unknown demo "${name}" (known: ${DEMO_NAMES.join(', ')})`);
      return { kind: 'run' as const, name, url: o.url };
    },
  }),
  footer: 'Start the shop first: npm run shop -- --detach',
};

export const USAGE = helpText(DEMO_CLI);

export type DemoCommand = ReturnType<typeof parseDemoCommand>;

export function parseDemoCommand(argv: readonly string[]) {
  return parseCommandLine(DEMO_CLI, argv);
}

/** The engine's and the experiments' own lines, nested under the demo's story, line by line. */
export function nested(log: Log): Log {
  return (text) => {
    for (const line of text.split('\n')) log(line === '' ? '  │' : `  │ ${line}`);
  };
}

/** Runs the command line; resolves to the exit code. */
export async function main(
  argv: readonly string[],
  demos: Readonly<Record<DemoName, Demo>> = DEMO_MODULES,
): Promise<number> {
  const command = runCommandLine(DEMO_CLI, argv);
  if (typeof command === 'number') return command;
  if (!(await shopIsUp(command.url))) {
    process.stderr.write(
      `demo: the shop is not running at ${command.url}; start the shop first: npm run shop -- --detach\n`,
    );
    return 2;
  }

  const log = lineLogger();
  const stopping = new AbortController();
  // Every SIGINT, not once: the page signals the whole process group and npm passes it on as
  // well, so a second one arrives at once; only the first stops anything, and none may kill
  // the demo before it has restarted what it stopped.
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping.signal.aborted) {
      log(`demo: ${signal} again; still undoing what the demo changed, then it exits`);
      return;
    }
    log(`\ndemo: ${signal}: stopping the load, then undoing what the demo changed`);
    stopping.abort();
    stopAttacks();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const entry = demoEntry(command.name);
  for (const line of headerLines(entry)) log(line);
  const started = Date.now();
  let checks: readonly DemoCheck[] = [];
  try {
    checks = await demos[command.name].run({
      url: command.url,
      log,
      detail: nested(log),
      stopping: stopping.signal,
    });
  } catch (err) {
    log(`demo ${command.name}: error: ${errorText(err)}`);
  } finally {
    await stopAllChildren();
  }
  log('');
  if (stopping.signal.aborted) log(`demo ${command.name}: interrupted; what it changed is undone`);
  for (const line of verdictLines(command.name, checks, (Date.now() - started) / 1000)) log(line);
  return passed(checks) && !stopping.signal.aborted ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`\ndemo: error: ${errorText(err)}\n`);
      process.exit(1);
    },
  );
}
