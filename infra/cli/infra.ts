/**
 * npm run infra -- up [--brokers 1|3] | down | status [--json] | --help
 *
 * Starts, stops and shows the local PostgreSQL, Redis and Kafka (see infra/README.md).
 */
import { type InfraComponentStatus, infraDown, infraStatus, infraUp } from '../local/infra';
import { renderTable } from '../local/shop/table';
import {
  UsageError,
  command,
  custom,
  flag,
  parseCommandLine,
  runCommandLine,
} from './command-line';

export { UsageError };

/** 1 or 3 Kafka brokers. */
export const brokerCount = custom<1 | 3>('1|3', 1, 'Kafka brokers', (text, name) => {
  if (text !== '1' && text !== '3') throw new UsageError(`${name} takes 1 or 3, got ${text}`);
  return text === '3' ? 3 : 1;
});

export const INFRA_CLI = {
  name: 'infra',
  usage: 'npm run infra -- <command> [options]',
  description: `Local infrastructure for the seckill shop: PostgreSQL (127.0.0.1:5432), Redis (127.0.0.1:6379)
and Apache Kafka in KRaft mode (127.0.0.1:9092, or 9092-9094 with --brokers 3). State lives in
.data/ (data, logs/, pids/); downloaded Kafka jars in .cache/.`,
  commands: {
    up: command({
      summary:
        'install what is missing, start what is not running, wait until ready\n(a no-op when everything already runs)',
      options: { brokers: brokerCount },
      build: (o) => ({ kind: 'up' as const, brokers: o.brokers }),
    }),
    down: command({
      summary: 'stop what "up" started (Kafka, then Redis, then PostgreSQL)',
      options: {},
      build: () => ({ kind: 'down' as const }),
    }),
    status: command({
      summary: 'show each component, its pid, port and whether it answers',
      options: { json: flag('as JSON') },
      build: (o) => ({ kind: 'status' as const, json: o.json }),
    }),
  },
  footer: 'To reset all data: npm run infra -- down && rm -rf .data',
};

export type Command = ReturnType<typeof parseArgs>;

export function parseArgs(argv: readonly string[]) {
  return parseCommandLine(INFRA_CLI, argv);
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
  return renderTable(header, body);
}

async function main(argv: readonly string[]): Promise<number> {
  const command = runCommandLine(INFRA_CLI, argv);
  if (typeof command === 'number') return command;
  const log = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  switch (command.kind) {
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
