/**
 * npm run infra -- up [--brokers 1|3] | down | status [--json] | --help
 *
 * Starts, stops and shows the local PostgreSQL, Redis and Kafka (see infra/README.md).
 */
import { type InfraComponentStatus, infraDown, infraStatus, infraUp } from '../local/infra';

const USAGE = `Usage: npm run infra -- <command> [options]

Local infrastructure for the seckill shop: PostgreSQL (127.0.0.1:5432), Redis (127.0.0.1:6379)
and Apache Kafka in KRaft mode (127.0.0.1:9092, or 9092-9094 with --brokers 3). State lives in
.data/ (data, logs/, pids/); downloaded Kafka jars in .cache/.

Commands:
  up [--brokers 1|3]   install what is missing, start what is not running, wait until ready
                       (a no-op when everything already runs). Default: 1 broker.
  down                 stop what "up" started (Kafka, then Redis, then PostgreSQL)
  status [--json]      show each component, its pid, port and whether it answers
  --help, -h           this text

To reset all data: npm run infra -- down && rm -rf .data
`;

export class UsageError extends Error {}

export type Command =
  | { readonly kind: 'up'; readonly brokers: 1 | 3 }
  | { readonly kind: 'down' }
  | { readonly kind: 'status'; readonly json: boolean }
  | { readonly kind: 'help' };

export function parseArgs(argv: readonly string[]): Command {
  const args = [...argv];
  if (args.length === 0 || args.includes('--help') || args.includes('-h') || args[0] === 'help')
    return { kind: 'help' };
  const [cmd, ...rest] = args;
  switch (cmd) {
    case 'up': {
      let brokers: 1 | 3 = 1;
      for (let i = 0; i < rest.length; i++) {
        const a = rest[i];
        let value: string | undefined;
        if (a === '--brokers') value = rest[++i];
        else if (a.startsWith('--brokers=')) value = a.slice('--brokers='.length);
        else throw new UsageError(`unknown option for "up": ${a}`);
        if (value !== '1' && value !== '3')
          throw new UsageError(`--brokers takes 1 or 3, got ${value ?? 'nothing'}`);
        brokers = value === '3' ? 3 : 1;
      }
      return { kind: 'up', brokers };
    }
    case 'down':
      if (rest.length) throw new UsageError(`"down" takes no options, got: ${rest.join(' ')}`);
      return { kind: 'down' };
    case 'status': {
      const unknown = rest.filter((a) => a !== '--json');
      if (unknown.length) throw new UsageError(`unknown option for "status": ${unknown.join(' ')}`);
      return { kind: 'status', json: rest.includes('--json') };
    }
    default:
      throw new UsageError(`unknown command "${cmd}"`);
  }
}

export function formatStatusTable(rows: readonly InfraComponentStatus[]): string {
  const header = ['COMPONENT', 'PID', 'PORT', 'STATE', 'LOG / NOTES'];
  const body = rows.map((r) => [
    r.component,
    r.pid === null ? '-' : String(r.pid),
    String(r.port),
    r.running ? 'running' : 'stopped',
    [r.logFile, r.detail].filter(Boolean).join('  '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...body.map(line)].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  let command: Command;
  try {
    command = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`infra: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  const log = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  switch (command.kind) {
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case 'up': {
      const endpoints = await infraUp({ brokers: command.brokers, log });
      log('');
      log(
        `  postgres  postgresql://${endpoints.postgres.user}:${endpoints.postgres.password}@${endpoints.postgres.host}:${endpoints.postgres.port}/<database>`,
      );
      log(`  redis     ${endpoints.redisUrl}`);
      log(`  kafka     ${endpoints.kafkaBrokers.join(',')}`);
      return 0;
    }
    case 'down':
      await infraDown({ log });
      return 0;
    case 'status': {
      const rows = await infraStatus();
      if (command.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else process.stdout.write(`${formatStatusTable(rows)}\n`);
      return 0;
    }
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`\ninfra: error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
