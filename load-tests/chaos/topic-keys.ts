/**
 * Which records reached a Kafka topic since a moment: the keys of every record from the first
 * one stamped at or after `sinceMs` up to each partition's end now. restart-redis --host-loss asks
 * it which lost admissions had their `order.created` in Kafka (the topic is keyed by order id).
 * Read by a consumer group of its own that commits nothing and is deleted afterwards, so no
 * group of the shop moves.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { localKafkaAdmin, localTarget } from '../engine/infra';

const READ_TIMEOUT_MS = 60_000;

export async function keysSince(topic: string, sinceMs: number): Promise<Set<string>> {
  const admin = localKafkaAdmin(`chaos-keys-${randomUUID().slice(0, 8)}`);
  await admin.connect();
  let starts: Array<{ partition: number; offset: string }>;
  let ends: Array<{ partition: number; high: string }>;
  try {
    starts = await admin.fetchTopicOffsetsByTimestamp(topic, sinceMs);
    ends = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  // partition → [first offset to read, last offset to read]
  const toRead = new Map<number, { from: bigint; last: bigint }>();
  for (const { partition, offset } of starts) {
    const high = BigInt(ends.find((e) => e.partition === partition)?.high ?? offset);
    if (high > BigInt(offset)) toRead.set(partition, { from: BigInt(offset), last: high - 1n });
  }
  const keys = new Set<string>();
  if (toRead.size === 0) return keys;

  const groupId = `seckill-chaos-reader-${randomUUID().slice(0, 8)}`;
  const kafka = new Kafka({
    clientId: groupId,
    brokers: [...localTarget().kafkaBrokers],
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic] });
    const remaining = new Map(toRead);
    let finished: () => void = () => undefined;
    const allRead = new Promise<void>((resolve) => {
      finished = resolve;
    });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const range = remaining.get(batch.partition);
        if (range === undefined) return;
        for (const message of batch.messages) {
          const offset = BigInt(message.offset);
          if (offset < range.from) continue;
          if (offset > range.last) break;
          if (message.key !== null) keys.add(message.key.toString());
        }
        // lastOffset() counts records kafkajs does not hand out (control records) too.
        if (!batch.isEmpty() && BigInt(batch.lastOffset()) >= range.last) {
          remaining.delete(batch.partition);
        }
        if (remaining.size === 0) finished();
      },
    });
    // A new group starts at the partitions' ends: move each back to its first record to read.
    for (const [partition, { from }] of toRead)
      consumer.seek({ topic, partition, offset: from.toString() });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`reading ${topic} took over ${READ_TIMEOUT_MS / 1000} s`)),
        READ_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([allRead, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await consumer.disconnect();
    const cleanup = kafka.admin();
    await cleanup.connect();
    await cleanup.deleteGroups([groupId]).catch(() => undefined);
    await cleanup.disconnect();
  }
  return keys;
}
