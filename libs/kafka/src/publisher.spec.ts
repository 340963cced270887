import type { Kafka } from 'kafkajs';
import { EventPublisher } from './publisher';

interface SendCall {
  readonly producer: number;
  readonly topics: string[];
  readonly messages: unknown[];
  /** Where the producer's partitioner put each message: `topic/partition`. */
  readonly partitions: string[];
  /** Resolves the send (acknowledging every partition but `skip`) or rejects it with `error`. */
  answer(error?: Error, skip?: readonly string[]): void;
}

type Partitioner = (args: {
  topic: string;
  partitionMetadata: Array<{ partitionId: number }>;
  message: { key: string | null };
}) => number;

/** Four partitions per topic, as the metadata kafkajs would hand its partitioner. */
const FOUR_PARTITIONS = [0, 1, 2, 3].map((partitionId) => ({ partitionId }));

/**
 * A kafkajs client whose producers' sendBatch calls are answered by the test, one by one;
 * `producers` lists the options of each producer made, in order.
 */
function fakeKafka() {
  const calls: SendCall[] = [];
  const producers: Array<{ options: unknown; disconnect: jest.Mock }> = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const producer = (options: { createPartitioner: () => Partitioner }) => {
    const index = producers.length;
    const partitioner = options.createPartitioner();
    const disconnect = jest.fn(() => Promise.resolve());
    producers.push({ options, disconnect });
    return {
      connect: jest.fn(() => Promise.resolve()),
      disconnect,
      sendBatch: jest.fn(
        (batch: {
          topicMessages: Array<{ topic: string; messages: Array<{ key: string | null }> }>;
        }) =>
          new Promise<Array<{ topicName: string; partition: number }>>((resolve, reject) => {
            inFlight += 1;
            mostInFlight = Math.max(mostInFlight, inFlight);
            const partitions = batch.topicMessages.flatMap(({ topic, messages }) =>
              messages.map(
                (message) =>
                  `${topic}/${partitioner({ topic, partitionMetadata: FOUR_PARTITIONS, message })}`,
              ),
            );
            calls.push({
              producer: index,
              topics: batch.topicMessages.map((t) => t.topic),
              messages: batch.topicMessages.flatMap((t) => t.messages),
              partitions,
              answer: (error, skip = []) => {
                inFlight -= 1;
                if (error) return reject(error);
                const acknowledged = [...new Set(partitions)].filter((p) => !skip.includes(p));
                resolve(
                  acknowledged.map((p) => {
                    const [topicName = '', partition = ''] = p.split('/');
                    return { topicName, partition: Number(partition) };
                  }),
                );
              },
            });
          }),
      ),
    };
  };
  const kafka = { producer } as unknown as Kafka;
  return { kafka, calls, producers, mostInFlight: () => mostInFlight };
}

/** kafkajs's error for a leader that is gone or moved: worth sending again. */
const leaderGone = () =>
  Object.assign(new Error('This server is not the leader for that topic-partition'), {
    name: 'KafkaJSProtocolError',
    retriable: true,
  });

/** The pauses between attempts, recorded instead of waited. */
function noWait() {
  const pauses: number[] = [];
  return {
    pauses,
    sleep: (ms: number) => {
      pauses.push(ms);
      return Promise.resolve();
    },
  };
}

/** Answers the calls as they come, in order, with `answers` (undefined: success). */
async function answerInTurn(calls: SendCall[], answers: Array<Error | undefined>) {
  for (const [i, answer] of answers.entries()) {
    while (calls.length <= i) await settle();
    calls[i]?.answer(answer);
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const record = (topic: string, key = 'k') => ({ topic, key, value: 'v' });

describe('EventPublisher', () => {
  it('sends one batch at a time: a send waits until the one before it has its answer', async () => {
    const { kafka, calls, mostInFlight } = fakeKafka();
    const publisher = new EventPublisher(kafka);
    const first = publisher.send([record('a')]);
    const second = publisher.send([record('b')]);
    await settle();
    expect(calls.map((c) => c.topics)).toEqual([['a']]);

    calls[0]?.answer();
    await first;
    await settle();
    expect(calls.map((c) => c.topics)).toEqual([['a'], ['b']]);
    calls[1]?.answer();
    await second;
    expect(mostInFlight()).toBe(1);
  });

  it('a failed send fails its caller only; the next one still goes', async () => {
    const { kafka, calls } = fakeKafka();
    const publisher = new EventPublisher(kafka);
    const failing = publisher.send([record('a')]);
    const next = publisher.send([record('b')]);
    await settle();
    calls[0]?.answer(new Error('broker gone'));
    await expect(failing).rejects.toThrow('broker gone');
    await settle();
    calls[1]?.answer();
    await expect(next).resolves.toBeUndefined();
  });

  it('is idempotent, acks=all, one request in flight, and retries within an attempt', () => {
    const { kafka, producers } = fakeKafka();
    new EventPublisher(kafka);
    expect(producers[0]?.options).toMatchObject({
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { retries: 5 },
    });
  });

  it('sends the same records again when kafkajs acknowledges a send without some partitions (kafkajs #1303)', async () => {
    const { kafka, calls } = fakeKafka();
    const { sleep } = noWait();
    const publisher = new EventPublisher(kafka, { sleep });
    const records = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6'].map((key) => record('a', key));
    const sent = publisher.send(records);
    while (calls.length === 0) await settle();
    const first = calls[0];
    const skipped = first?.partitions[0] ?? '';
    first?.answer(undefined, [skipped]);
    while (calls.length < 2) await settle();
    // Whole: the skipped partition's records and the others', with the same messages.
    expect(calls[1]?.messages).toEqual(first?.messages);
    calls[1]?.answer();
    await expect(sent).resolves.toBeUndefined();
    expect(new Set(first?.partitions).size).toBeGreaterThan(1); // the keys spread: a real check
  });

  it('fails a send whose partitions kafkajs keeps skipping, naming them', async () => {
    const { kafka, calls } = fakeKafka();
    const { sleep } = noWait();
    const backoff = { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1 };
    const publisher = new EventPublisher(kafka, { sleep, backoff });
    const sent = publisher.send([record('a', 'k1')]);
    for (let i = 0; i < 2; i += 1) {
      while (calls.length <= i) await settle();
      calls[i]?.answer(undefined, calls[i]?.partitions);
    }
    await expect(sent).rejects.toThrow(/without sending to a\/\d/);
  });

  it('sends the same records again, whole, while the cluster answers with a retriable error', async () => {
    const { kafka, calls, producers } = fakeKafka();
    const { pauses, sleep } = noWait();
    const publisher = new EventPublisher(kafka, { sleep });
    const sent = publisher.send([record('a'), record('b')]);
    await answerInTurn(calls, [leaderGone(), leaderGone(), undefined]);
    await expect(sent).resolves.toBeUndefined();
    expect(calls).toHaveLength(3);
    expect(calls.map((c) => c.messages)).toEqual([
      calls[0]?.messages,
      calls[0]?.messages,
      calls[0]?.messages,
    ]);
    expect(calls.map((c) => c.topics)).toEqual([
      ['a', 'b'],
      ['a', 'b'],
      ['a', 'b'],
    ]);
    // Same producer throughout: its sequence numbers for the failed partitions are reused.
    expect(calls.every((c) => c.producer === 0)).toBe(true);
    expect(producers).toHaveLength(1);
    expect(pauses).toHaveLength(2);
  });

  it('gives up after the attempts and sends the next batch through a new producer', async () => {
    const { kafka, calls, producers } = fakeKafka();
    const { pauses, sleep } = noWait();
    const backoff = { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 1000 };
    const publisher = new EventPublisher(kafka, { sleep, backoff });
    const failing = publisher.send([record('a')]);
    const next = publisher.send([record('b')]);
    await answerInTurn(calls, [leaderGone(), leaderGone(), leaderGone(), undefined]);
    await expect(failing).rejects.toThrow('not the leader');
    await expect(next).resolves.toBeUndefined();
    expect(calls.map((c) => [c.producer, c.topics])).toEqual([
      [0, ['a']],
      [0, ['a']],
      [0, ['a']],
      [1, ['b']],
    ]);
    expect(producers[0]?.disconnect).toHaveBeenCalled();
    // Full jitter under 100 ms, then under 200 ms.
    expect(pauses).toHaveLength(2);
    expect(pauses[0]).toBeLessThanOrEqual(100);
    expect(pauses[1]).toBeLessThanOrEqual(200);
  });

  it('does not repeat a send the cluster refused for good, and replaces the producer', async () => {
    const { kafka, calls, producers } = fakeKafka();
    const { pauses, sleep } = noWait();
    const publisher = new EventPublisher(kafka, { sleep });
    const refused = publisher.send([record('a')]);
    const outOfOrder = Object.assign(new Error('The broker received an out of order sequence'), {
      name: 'KafkaJSProtocolError',
      type: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
      retriable: false,
    });
    await answerInTurn(calls, [outOfOrder]);
    await expect(refused).rejects.toBe(outOfOrder);
    expect(calls).toHaveLength(1);
    expect(pauses).toEqual([]);
    expect(producers).toHaveLength(2);
  });

  it('sends nothing for no records', async () => {
    const { kafka, calls } = fakeKafka();
    await new EventPublisher(kafka).send([]);
    expect(calls).toEqual([]);
  });
});
