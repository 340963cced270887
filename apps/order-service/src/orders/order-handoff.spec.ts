import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import type { OutgoingRecord } from '@seckill/kafka';
import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import { type AdmittedOrder, OrderHandoff } from './order-handoff';

const silent = ServiceLogger.create(
  'handoff-spec',
  'fatal',
  new Writable({ write: (_chunk, _encoding, done) => done() }),
);

/** The slice of ioredis the hand-off uses: XDEL in a pipeline. */
function fakeRedis() {
  const deleted: Array<[string, string[]]> = [];
  const redis = {
    pipeline() {
      const queued: Array<[string, string[]]> = [];
      const pipeline = {
        xdel(stream: string, ...ids: string[]) {
          queued.push([stream, ids]);
          return pipeline;
        },
        async exec() {
          deleted.push(...queued);
          return [];
        },
      };
      return pipeline;
    },
  };
  return { redis: redis as unknown as Redis, deleted };
}

const order = (n: number, stream = 'outbox-a'): AdmittedOrder => ({
  stream,
  entryId: `${n}-0`,
  record: { topic: 'order.created', key: `o-${n}`, value: `{"n":${n}}` },
});

describe('OrderHandoff', () => {
  it('publishes concurrent orders in one batch, then deletes their stream entries', async () => {
    const sent: OutgoingRecord[][] = [];
    const { redis, deleted } = fakeRedis();
    const handoff = new OrderHandoff(
      { send: async (records) => void sent.push([...records]) },
      redis,
      silent,
      new MetricsRegistry('handoff-spec'),
      { timeoutMs: 1000 },
    );
    const results = await Promise.all([
      handoff.handOff(order(1)),
      handoff.handOff(order(2)),
      handoff.handOff(order(3, 'outbox-b')),
    ]);
    expect(results).toEqual(['published', 'published', 'published']);
    expect(sent.map((batch) => batch.map((r) => r.key))).toEqual([['o-1', 'o-2', 'o-3']]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(deleted).toEqual([
      ['outbox-a', ['1-0', '2-0']],
      ['outbox-b', ['3-0']],
    ]);
  });

  it('defers an order whose publish fails or is not acknowledged in time, and keeps its entry', async () => {
    const { redis, deleted } = fakeRedis();
    const failing = new OrderHandoff(
      {
        send: async () => {
          throw new Error('broker down');
        },
      },
      redis,
      silent,
      new MetricsRegistry('handoff-spec'),
      { timeoutMs: 1000 },
    );
    expect(await failing.handOff(order(1))).toBe('deferred');

    const silentBroker = new OrderHandoff(
      { send: () => new Promise<void>(() => undefined) },
      redis,
      silent,
      new MetricsRegistry('handoff-spec'),
      { timeoutMs: 10 },
    );
    expect(await silentBroker.handOff(order(2))).toBe('deferred');
    await silentBroker.close(); // bounded: does not wait for an ack that never comes
    expect(deleted).toEqual([]);
  });

  it("waits no longer than the caller's remaining budget, and still publishes the order", async () => {
    const sent: OutgoingRecord[][] = [];
    let ack: () => void = () => undefined;
    const { redis, deleted } = fakeRedis();
    const slowBroker = new OrderHandoff(
      {
        send: (records) =>
          new Promise<void>((resolve) => {
            sent.push([...records]);
            ack = resolve;
          }),
      },
      redis,
      silent,
      new MetricsRegistry('handoff-spec'),
      { timeoutMs: 60_000 },
    );
    // No budget left: the answer does not wait for the ack (the relay would take over)...
    expect(await slowBroker.handOff(order(1), 0)).toBe('deferred');
    // ...but the record is on its way all the same, and its entry goes once Kafka has it.
    expect(sent.map((batch) => batch.map((r) => r.key))).toEqual([['o-1']]);
    ack();
    await slowBroker.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(deleted).toEqual([['outbox-a', ['1-0']]]);
  });
});
