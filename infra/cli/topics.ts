/**
 * npm run topics [-- <broker,broker,...>]: provision the catalogue topics (compose's init uses it).
 */
import { provisionAllTopics } from '../local/topics';
import { UsageError, command, parseNames, runCommandLine } from './command-line';

export const TOPICS_CLI = {
  name: 'topics',
  usage: 'npm run topics [-- <broker,broker,...>]',
  description: `Creates the catalogue topics (partitions, replication, configs) on the Kafka brokers,
default $KAFKA_BROKERS or 127.0.0.1:9092.`,
  command: command({
    args: '<broker,...>',
    options: {},
    build: (_o, positional) => {
      if (positional.length > 1)
        throw new UsageError(`one comma-separated broker list, got: ${positional.join(' ')}`);
      return parseNames('brokers', positional[0] ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092');
    },
  }),
};

async function main(argv: readonly string[]): Promise<number> {
  const brokers = runCommandLine(TOPICS_CLI, argv);
  if (typeof brokers === 'number') return brokers;
  await provisionAllTopics(brokers, (line) => console.log(`[topics] ${line}`));
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`[topics] failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
