import { provisionAllTopics } from '../local/topics';

/** `npm run topics [-- host:port,...]`: provision the catalogue topics (compose's init uses it). */
async function main(): Promise<void> {
  const arg = process.argv[2];
  if (arg === '--help' || arg === '-h') {
    console.log(
      'usage: npm run topics [-- <broker,broker,...>]   (default: $KAFKA_BROKERS or 127.0.0.1:9092)',
    );
    return;
  }
  const brokers = (arg ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092')
    .split(',')
    .map((b) => b.trim());
  await provisionAllTopics(brokers, (line) => console.log(`[topics] ${line}`));
}

main().catch((error: unknown) => {
  console.error(`[topics] failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
