import { Writable } from 'node:stream';
import type { KafkaMessage } from 'kafkajs';
import { createEvent, EnvelopeOf, EventRegistry, OrderCreatedV1 } from '@seckill/contracts';
import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import { ChunkProcessor } from './chunk-processor';
import { ItemDecoder } from './consumed-item';
import { ConsumerMetrics } from './consumer-metrics';
import { DLQ_HEADER } from './dead-letter';
import { FailureRouter } from './failure-routing';
import type { HandlerScope, IntegrationEventHandler } from './handler-batch';
import { InboxTransactions } from './inbox-transaction';
import { InMemoryConsumerStore, type InMemoryTransaction } from './in-memory-consumer-store';
import type { OutgoingRecord } from './publisher';
import { toRecord } from './publisher';

const silent = ServiceLogger.create(
  'chunk-spec',
  'fatal',
  new Writable({ write: (_chunk, _encoding, done) => done() }),
);

type Order = EnvelopeOf<typeof OrderCreatedV1>;

function order(orderId: string): Order {
  return createEvent(OrderCreatedV1, {
    orderId,
    saleId: 's-1',
    userId: 'u-1',
    quantity: 1,
    idempotencyKey: `k-${orderId}`,
    priceCents: 100,
    acceptedAt: new Date(0).toISOString(),
  });
}

function message(offset: number, value: string | Order): KafkaMessage {
  const record = typeof value === 'string' ? { key: null, value } : toRecord(OrderCreatedV1, value);
  return {
    key: record.key ? Buffer.from(record.key) : null,
    value: Buffer.from(record.value as string),
    timestamp: '0',
    attributes: 0,
    offset: String(offset),
    headers: {},
  } as KafkaMessage;
}

/** Records each order it handles as an effect; fails the orders in `failing`. */
class OrderHandler implements IntegrationEventHandler<typeof OrderCreatedV1, InMemoryTransaction> {
  readonly event = OrderCreatedV1;
  readonly calls: string[] = [];
  constructor(private readonly failing = new Set<string>()) {}

  async handle(event: Order, { tx }: HandlerScope<InMemoryTransaction>): Promise<void> {
    this.calls.push(event.payload.orderId);
    if (this.failing.has(event.payload.orderId)) throw new Error(`${event.payload.orderId} failed`);
    tx.effects.push(event.payload.orderId);
  }
}

/** The in-memory store, whose transactions can be made to fail from the n-th on. */
class FlakyStore extends InMemoryConsumerStore {
  failFrom = Infinity;
  private started = 0;

  override async transaction<R>(work: (tx: InMemoryTransaction) => Promise<R>): Promise<R> {
    this.started += 1;
    if (this.started >= this.failFrom) throw new Error('database down');
    return super.transaction(work);
  }
}

function processor(handler: OrderHandler, store = new FlakyStore()) {
  const published: OutgoingRecord[][] = [];
  const registry = new MetricsRegistry('chunk-spec');
  const metrics = new ConsumerMetrics(registry, 'g', undefined);
  let publishFails = false;
  const chunks = new ChunkProcessor({
    decoder: new ItemDecoder(new EventRegistry([OrderCreatedV1]), 'g', [handler], () => false),
    transactions: new InboxTransactions({
      store,
      groupId: 'g',
      maxBatchEvents: 100,
      onShared: (events) => metrics.transaction(events),
    }),
    router: new FailureRouter({
      groupId: 'g',
      retryDelaysMs: [1000],
      clock: () => 0,
      logger: silent,
    }),
    publish: async (records) => {
      if (publishFails) throw new Error('broker down');
      published.push([...records]);
    },
    metrics,
    logger: silent,
  });
  return {
    chunks,
    store,
    published,
    failPublishing: () => (publishFails = true),
    metricsText: () => registry.text(),
  };
}

describe('ChunkProcessor', () => {
  it('applies a chunk’s events in one transaction and dead-letters what cannot be decoded', async () => {
    const handler = new OrderHandler();
    const { chunks, store, published, metricsText } = processor(handler);
    const done = await chunks.process('order.created', 0, [
      message(0, order('o-1')),
      message(1, 'not json'),
      message(2, order('o-2')),
    ]);
    expect(done).toBe(3);
    expect(store.transactions).toBe(1);
    expect(store.effects).toEqual(['o-1', 'o-2']);
    expect(published).toHaveLength(1);
    expect(published[0]?.map((r) => r.headers?.[DLQ_HEADER.reason])).toEqual(['MALFORMED_JSON']);
    const text = await metricsText();
    expect(text).toMatch(/seckill_events_processed_total\{[^}]*result="processed"[^}]*\} 2/);
    expect(text).toMatch(/seckill_dead_letters_total\{[^}]*reason="MALFORMED_JSON"[^}]*\} 1/);
    expect(text).toMatch(/seckill_consumer_transaction_events_count\{[^}]*group="g"[^}]*\} 1/);
  });

  it('runs the chunk event by event when the shared transaction fails: only the failing one is retried', async () => {
    const handler = new OrderHandler(new Set(['o-2']));
    const { chunks, store, published } = processor(handler);
    const done = await chunks.process('order.created', 0, [
      message(0, order('o-1')),
      message(1, order('o-2')),
      message(2, order('o-3')),
    ]);
    expect(done).toBe(3);
    // Shared (o-1, o-2 fails), then one each: o-1, o-2 (fails again), o-3.
    expect(handler.calls).toEqual(['o-1', 'o-2', 'o-1', 'o-2', 'o-3']);
    expect(store.effects).toEqual(['o-1', 'o-3']);
    expect(published.flat().map((r) => r.topic)).toEqual(['seckill.retry.g.1s']);
  });

  it('does not run a lone event again when it failed the shared transaction', async () => {
    const handler = new OrderHandler(new Set(['o-1']));
    const { chunks, published } = processor(handler);
    expect(await chunks.process('order.created', 0, [message(0, order('o-1'))])).toBe(1);
    expect(handler.calls).toEqual(['o-1']);
    expect(published.flat().map((r) => r.topic)).toEqual(['seckill.retry.g.1s']);
  });

  it('stops at the first event the store could not apply, spending no attempt', async () => {
    const handler = new OrderHandler(new Set(['o-1']));
    const store = new FlakyStore();
    store.failFrom = 3; // the shared transaction and o-1's own run; o-2's fails
    const { chunks, published } = processor(handler, store);
    const done = await chunks.process('order.created', 0, [
      message(0, order('o-1')),
      message(1, order('o-2')),
    ]);
    expect(done).toBe(1);
    // o-1's retry record is published: it is done; o-2 is read again later.
    expect(published.flat().map((r) => r.topic)).toEqual(['seckill.retry.g.1s']);
  });

  it('acknowledges nothing when the retry and dead-letter records cannot be published', async () => {
    const { chunks, store, failPublishing, metricsText } = processor(new OrderHandler());
    failPublishing();
    const done = await chunks.process('order.created', 0, [
      message(0, order('o-1')),
      message(1, 'not json'),
    ]);
    expect(done).toBe(0);
    expect(store.effects).toEqual(['o-1']); // committed: a duplicate when read again
    expect(await metricsText()).not.toMatch(/seckill_events_processed_total\{/);
  });
});
