/**
 * npm run verify -- [--sale <id>] [--timeout <duration>] [--json] [endpoint options] | --help
 *
 * Checks every invariant of the brief across Redis, every service's database and the Kafka
 * topics, once the shop is quiet (infra/verify/README.md).
 */
import { colorWanted, painter } from '../local/shop/colors';
import {
  UsageError,
  command,
  custom,
  flag,
  parseCommandLine,
  parseDuration,
  runCommandLine,
} from './command-line';
import { renderReport, reportJson } from '../verify/render';
import { localTarget, type TargetOverrides } from '../verify/target';
import { firstLine, messageOf, ShopUnreachable, UnknownSale, verify } from '../verify/verify';

export const DEFAULT_TIMEOUT_SEC = 120;

export const VERIFY_CLI = {
  name: 'verify',
  usage: 'npm run verify -- [options]',
  description: `Waits until the shop is quiet (no consumer lag, every outbox empty, no payment in flight), then
checks every invariant across Redis, the five service databases and the dead-letter topic:
no oversell, the per-user limit, every accepted order terminal, each service's effect matching
it, no duplicate effect, stock conserved in Redis and in Postgres, the two agreeing, every outbox
entry published, the dead letters accounted for. Prints one row per rule and what breaks it.`,
  command: command({
    options: {
      sale: custom<string | null>(
        '<id>',
        null,
        'only this sale (its orders, stock and dead letters)',
        (t) => {
          if (t.trim() === '') throw new UsageError('--sale needs a sale id');
          return t;
        },
      ),
      timeout: custom(
        '<duration>',
        DEFAULT_TIMEOUT_SEC,
        'how long to wait for the shop to be quiet (90, 2m)',
        (t) => parseDuration(t),
        { shownDefault: `${DEFAULT_TIMEOUT_SEC}s` },
      ),
      json: flag('the report as JSON on stdout (progress goes to stderr)'),
      postgresUrl: custom<string | undefined>(
        '<url>',
        undefined,
        "any URL of the PostgreSQL server (default the local shop's, port 5432)",
        (t, name) => urlOf(name, t, ['postgres:', 'postgresql:']),
      ),
      redisUrl: custom<string | undefined>(
        '<url>',
        undefined,
        '(default redis://127.0.0.1:6379)',
        (t, name) => urlOf(name, t, ['redis:']),
      ),
      brokers: custom<string[] | undefined>(
        '<list>',
        undefined,
        "Kafka host:port,... (default the local shop's brokers)",
        (t) => brokerList(t),
      ),
      dlqTopic: custom<string | undefined>(
        '<name>',
        undefined,
        'the dead-letter topic (default seckill.dead-letter)',
        (t) => t,
      ),
    },
    build: (o) => ({
      kind: 'verify' as const,
      saleId: o.sale,
      timeoutMs: 1000 * o.timeout,
      json: o.json,
      overrides: {
        postgresUrl: o.postgresUrl,
        redisUrl: o.redisUrl,
        kafkaBrokers: o.brokers,
        dlqTopic: o.dlqTopic,
      } satisfies TargetOverrides,
    }),
  }),
  footer: `Exit codes: 0 every invariant holds (warnings allowed), 1 a rule is broken (or the shop never
became quiet), 2 bad arguments, or the shop cannot be reached or read.`,
};

export type VerifyCommand = ReturnType<typeof parseVerifyArgs>;

export function parseVerifyArgs(argv: readonly string[]) {
  return parseCommandLine(VERIFY_CLI, argv);
}

function brokerList(text: string): string[] {
  const list = text
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (list.length === 0 || list.some((b) => !/^[^:\s]+:\d+$/.test(b))) {
    throw new UsageError(`--brokers takes host:port,..., got "${text}"`);
  }
  return list;
}

function urlOf(option: string, text: string, protocols: readonly string[]): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${option} takes a URL, got "${text}"`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new UsageError(`${option} takes a ${protocols.join(' or ')}// URL, got "${text}"`);
  }
  return text;
}

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly color: boolean;
}

const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  color: colorWanted(process.stdout.isTTY === true),
};

/** Runs the command line; resolves with the exit code. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const command = runCommandLine(VERIFY_CLI, argv, io);
  if (typeof command === 'number') return command;
  // With --json, stdout carries the report alone.
  const log = (line: string) => (command.json ? io.err : io.out)(`${line}\n`);
  try {
    const report = await verify(
      localTarget(command.overrides),
      { saleId: command.saleId, timeoutMs: command.timeoutMs },
      log,
    );
    io.out(
      `${command.json ? reportJson(report) : renderReport(report, painter(io.color && !command.json))}\n`,
    );
    return report.ok ? 0 : 1;
  } catch (error) {
    const message = messageOf(error);
    if (error instanceof ShopUnreachable) {
      io.err(
        `verify: ${message}; is the shop running? Start it with "npm run shop -- --detach" ("npm run shop -- status" shows what runs)\n`,
      );
    } else if (error instanceof UnknownSale) {
      io.err(`verify: ${message}\n`);
    } else {
      // Nothing was judged: not a violation (1), the verifier could not do its job.
      io.err(`verify: could not verify: ${firstLine(message)}\n`);
    }
    return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`verify: ${messageOf(error)}\n`);
      process.exit(2);
    },
  );
}
