import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { uniqueName, waitFor } from './wait-for';

/** The committed offset of a consumer group on a one-partition topic ('-1' if none). */
export async function committedOffset(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<string> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return entry?.partitions.find((p) => p.partition === 0)?.offset ?? '-1';
}

/** Reads `count` messages of a topic from the beginning with a throwaway consumer group. */
export async function readMessages(
  kafka: Kafka,
  topic: string,
  count: number,
): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('reader') });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        messages.push(message);
      },
    });
    await waitFor(() => messages.length >= count, `${count} messages on ${topic}`);
    return messages;
  } finally {
    await consumer.disconnect();
  }
}

export function headerOf(message: KafkaMessage, name: string): string | undefined {
  const value = message.headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}
