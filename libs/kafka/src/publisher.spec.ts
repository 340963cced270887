import type { Kafka } from 'kafkajs';
import { EventPublisher } from './publisher';

/** A producer whose sendBatch calls are answered by the test, one by one. */
function fakeKafka() {
  const calls: Array<{ topics: string[]; answer: (error?: Error) => void }> = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const producer = {
    connect: jest.fn(() => Promise.resolve()),
    disconnect: jest.fn(() => Promise.resolve()),
    sendBatch: jest.fn(
      (batch: { topicMessages: Array<{ topic: string }> }) =>
        new Promise<void>((resolve, reject) => {
          inFlight += 1;
          mostInFlight = Math.max(mostInFlight, inFlight);
          calls.push({
            topics: batch.topicMessages.map((t) => t.topic),
            answer: (error) => {
              inFlight -= 1;
              if (error) reject(error);
              else resolve();
            },
          });
        }),
    ),
  };
  const kafka = { producer: () => producer } as unknown as Kafka;
  return { kafka, calls, mostInFlight: () => mostInFlight };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const record = (topic: string) => ({ topic, key: 'k', value: 'v' });

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

  it('sends nothing for no records', async () => {
    const { kafka, calls } = fakeKafka();
    await new EventPublisher(kafka).send([]);
    expect(calls).toEqual([]);
  });
});
