import type { Admin, Kafka, KafkaMessage, RecordMetadata } from 'kafkajs';
import { headerOf, readMessages } from './kafka';

/** Bytes that are not JSON at all: every consumer dead-letters them (`MALFORMED_JSON`). */
export const NOT_JSON = Buffer.from('{"orderId": not json');

/** One message of a poison mix: an event (sent as its JSON) or raw bytes, to one partition. */
export interface MixedMessage {
  readonly partition: number;
  readonly value: object | Buffer;
  /** The dead-letter reason the group must give it; a good event has none. */
  readonly deadLetterReason?: string;
}

/**
 * The dead-letter headers the mix is checked by: libs/kafka's `DLQ_HEADER`, passed in because
 * libs/kafka's own tests use this lib (so it cannot import libs/kafka).
 */
export interface DeadLetterHeaderNames {
  readonly reason: string;
  readonly consumerGroup: string;
  readonly originalTopic: string;
  readonly originalPartition: string;
  readonly originalOffset: string;
}

/** The consumer group under test; libs/kafka's `ConsumerScenario` is one. */
export interface GroupUnderTest {
  readonly groupId: string;
  start(): Promise<void>;
  /** Resolves once the group's committed offsets are the end of every partition of `topics`. */
  drained(...topics: string[]): Promise<void>;
}

/**
 * The layout every consumer's poison test sends over three partitions: on each, a poison message
 * between two good events (`good`: six, in partition order). Partition 0 gets bytes that are not JSON, partition 1 `invalid` (an
 * envelope whose payload fails its schema), partition 2 the service's own `refused` event if it
 * has one (a valid event its handler rejects for good), else nothing between its two good ones.
 */
export function poisonAmongGood(
  good: readonly object[],
  invalid: object,
  refused?: { readonly value: object; readonly deadLetterReason: string },
): MixedMessage[] {
  const [first, second, third, fourth, fifth, last] = good;
  if (good.length !== 6 || !first || !second || !third || !fourth || !fifth || !last) {
    throw new Error(
      `poisonAmongGood takes six good events (two per partition), got ${good.length}`,
    );
  }
  return [
    { partition: 0, value: first },
    { partition: 0, value: NOT_JSON, deadLetterReason: 'MALFORMED_JSON' },
    { partition: 0, value: second },
    { partition: 1, value: third },
    { partition: 1, value: invalid, deadLetterReason: 'INVALID_PAYLOAD' },
    { partition: 1, value: fourth },
    { partition: 2, value: fifth },
    ...(refused ? [{ partition: 2, ...refused }] : []),
    { partition: 2, value: last },
  ];
}

export interface PoisonMixOptions {
  readonly kafka: Kafka;
  /** Connected by the caller. */
  readonly admin: Admin;
  /** Not running yet: it starts once the whole mix is on the topic. */
  readonly group: GroupUnderTest;
  readonly topic: string;
  readonly deadLetterTopic: string;
  readonly headers: DeadLetterHeaderNames;
  /** In the order they are published; the order within each partition is theirs. */
  readonly messages: readonly MixedMessage[];
}

/** A dead letter of the mix, as read from the dead-letter topic or as the mix expects it. */
export interface MixDeadLetter {
  readonly reason: string | undefined;
  readonly group: string | undefined;
  readonly partition: number;
  readonly offset: string;
  /** The original bytes, which a dead letter carries unchanged. */
  readonly value: string;
}

export interface PoisonMixOutcome {
  /** What the dead-letter topic holds from the mix's topic, by partition and offset. */
  readonly deadLetters: MixDeadLetter[];
  /** What it should hold: each message with a `deadLetterReason`, where it was published. */
  readonly expectedDeadLetters: MixDeadLetter[];
}

/**
 * The shared part of a consumer's poison test (the test adds its own: the events, their effects).
 * Publishes `messages`, good events with poison among them, to their partitions of `topic` with a
 * raw producer; then starts the group, so that one fetch brings every partition's share and the
 * partitions handled at once share a transaction; waits until the group has committed every
 * partition to its end (a poison message that stalls its partition keeps it from getting there);
 * and reads what the group dead-lettered from `topic`. The test compares the outcome's two lists.
 */
export async function runPoisonMix(options: PoisonMixOptions): Promise<PoisonMixOutcome> {
  const { kafka, admin, group, topic, deadLetterTopic, headers } = options;
  const messages = options.messages.map((message) => ({
    ...message,
    bytes: Buffer.isBuffer(message.value)
      ? message.value
      : Buffer.from(JSON.stringify(message.value)),
  }));
  // Idempotent: the expected offsets come from this one send's base offsets, so a retry must not
  // write a partition twice (a plain producer that retried after one partition of a fresh topic
  // answered "not the leader" wrote the others' messages again: seen in CI).
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let published: RecordMetadata[];
  try {
    published = await producer.send({
      topic,
      messages: messages.map(({ partition, bytes }) => ({ partition, value: bytes })),
    });
  } finally {
    await producer.disconnect();
  }

  // One send: each partition's messages follow its base offset, in the mix's order.
  const next = new Map(published.map((p) => [p.partition, Number(p.baseOffset)]));
  const expectedDeadLetters: MixDeadLetter[] = [];
  for (const { partition, bytes, deadLetterReason } of messages) {
    const offset = next.get(partition) ?? 0;
    next.set(partition, offset + 1);
    if (deadLetterReason === undefined) continue;
    expectedDeadLetters.push({
      reason: deadLetterReason,
      group: group.groupId,
      partition,
      offset: String(offset),
      value: bytes.toString(),
    });
  }

  await group.start();
  await group.drained(topic);

  // The group publishes its dead letters before it commits, so by now they are all there.
  const ends = await admin.fetchTopicOffsets(deadLetterTopic);
  const held = ends.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  const deadLetters = (await readMessages(kafka, deadLetterTopic, held))
    .filter((message) => headerOf(message, headers.originalTopic) === topic)
    .map((message) => deadLetterOf(message, headers));
  return {
    deadLetters: byPosition(deadLetters),
    expectedDeadLetters: byPosition(expectedDeadLetters),
  };
}

function deadLetterOf(message: KafkaMessage, headers: DeadLetterHeaderNames): MixDeadLetter {
  return {
    reason: headerOf(message, headers.reason),
    group: headerOf(message, headers.consumerGroup),
    partition: Number(headerOf(message, headers.originalPartition)),
    offset: headerOf(message, headers.originalOffset) ?? '',
    value: message.value?.toString() ?? '',
  };
}

function byPosition(letters: MixDeadLetter[]): MixDeadLetter[] {
  return letters.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}
