/**
 * npm run shop -- [up|status|stop [svc...]|kill <svc>|restart <svc...>|logs [svc...]|--help]
 *
 * The whole shop as local processes: the infra runner's PostgreSQL, Redis and Kafka, then the six
 * services, detached, with their logs in .data/logs/. See infra/README.md, "Running the shop locally".
 */
import { colorWanted, painter } from '../local/shop/colors';
import { SHOP_CLI, UsageError, type ParsedArgs } from '../local/shop/args';
import { type Io, kill, logs, restart, status, stop, up } from '../local/shop/commands';
import { ShopError } from '../local/shop/runner';
import { runCommandLine } from './command-line';

const SIGNAL_DEBOUNCE_MS = 1_000;

function makeIo(noColor: boolean): Io {
  const paint = painter(colorWanted(process.stdout.isTTY === true, process.env, noColor));
  const waiters: Array<(sig: NodeJS.Signals) => void> = [];
  let lastSignalAt = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    // One Ctrl-C under `npm run` arrives twice: from the terminal (we are in its foreground
    // process group) and forwarded by npm. Count signals this close together as one.
    const now = Date.now();
    if (now - lastSignalAt < SIGNAL_DEBOUNCE_MS) return;
    lastSignalAt = now;
    if (waiters.length) {
      for (const w of waiters.splice(0)) w(sig);
      return;
    }
    // Nobody is waiting for a Ctrl-C (e.g. during start-up): leave, saying what keeps running.
    process.stderr.write(
      `\nshop: interrupted (${sig}); whatever was started keeps running — "npm run shop -- status" shows it, "npm run shop -- stop" stops it\n`,
    );
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    paint,
    log: (line) => {
      const text = line.startsWith('[') ? line : `${paint.paint('[shop]', 'dim')} ${line}`;
      process.stdout.write(`${text}\n`);
    },
    out: (text) => {
      process.stdout.write(`${text}\n`);
    },
    interrupted: () => new Promise<NodeJS.Signals>((resolve) => waiters.push(resolve)),
  };
}

async function run(parsed: ParsedArgs): Promise<number> {
  const { command } = parsed;
  if (command.kind === 'help') return 0;
  const io = makeIo(parsed.noColor);
  switch (command.kind) {
    case 'up':
      return up(command, io);
    case 'status':
      return status(io);
    case 'stop':
      return stop(command.services, command.keepInfra, io);
    case 'kill':
      return kill(command.service, io);
    case 'restart':
      return restart(command.services, command.timeoutMs, io);
    case 'logs':
      return logs(command.services, command.lines, io);
  }
}

function main(argv: readonly string[]): void {
  // A closed pipe (e.g. "| head") is not an error worth a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
  const parsed = runCommandLine(SHOP_CLI, argv);
  if (typeof parsed === 'number') process.exit(parsed);
  run(parsed).then(
    (code) => process.exit(code),
    (err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      process.stderr.write(`\nshop: error: ${message}\n`);
      if (!(err instanceof ShopError)) {
        process.stderr.write(
          'shop: logs: .data/logs/ (services: <service>.log, build: shop-build.log, infra: postgres/redis/kafka-*)\n',
        );
      }
      process.exit(err instanceof UsageError ? 2 : 1);
    },
  );
}

if (require.main === module) main(process.argv.slice(2));
