import { type ConsumedEvent, ConsumerStore, type OutboxEntry } from '@seckill/kafka';
import { outboxRowOfEntry } from './outbox-row';

/**
 * What the messaging tables need of a Prisma client or transaction client. Every service's
 * schema has the same `inbox_events` and `outbox_events` tables, so one piece of raw SQL serves
 * them all, whatever the service's generated client is called.
 */
export interface SqlExecutor {
  $executeRaw(query: TemplateStringsArray, ...values: unknown[]): PromiseLike<number>;
  $queryRaw<T = unknown>(query: TemplateStringsArray, ...values: unknown[]): PromiseLike<T>;
}

export interface TransactionalClient<Tx extends SqlExecutor = SqlExecutor> extends SqlExecutor {
  $transaction<R>(
    work: (tx: Tx) => Promise<R>,
    options?: { maxWait?: number; timeout?: number },
  ): Promise<R>;
}

export interface PrismaConsumerStoreOptions {
  /** Longest a consumer transaction may stay open (a chunk of events and their effects). */
  readonly transactionTimeoutMs?: number;
  /** Called after a commit that wrote outbox rows (the relay's `wake`). */
  readonly onOutboxCommitted?: () => void;
}

/** `ConsumerStore` on a service's Prisma client: inbox and outbox rows in the handler's transaction. */
export class PrismaConsumerStore<Tx extends SqlExecutor> extends ConsumerStore<Tx> {
  constructor(
    private readonly client: TransactionalClient<Tx>,
    private readonly options: PrismaConsumerStoreOptions = {},
  ) {
    super();
  }

  transaction<R>(work: (tx: Tx) => Promise<R>): Promise<R> {
    return this.client.$transaction(work, {
      maxWait: 10_000,
      timeout: this.options.transactionTimeoutMs ?? 30_000,
    });
  }

  async recordInbox(
    tx: Tx,
    consumerGroup: string,
    events: readonly ConsumedEvent[],
  ): Promise<ReadonlySet<string>> {
    if (events.length === 0) return new Set();
    const ids = events.map((e) => e.event.eventId);
    const topics = events.map((e) => e.origin.topic);
    const partitions = events.map((e) => e.origin.partition);
    const offsets = events.map((e) => e.origin.offset);
    // ON CONFLICT DO NOTHING rather than catching the unique violation: a failed statement would
    // abort the whole transaction. RETURNING names the rows that were new.
    const inserted = await tx.$queryRaw<{ event_id: string }[]>`
      INSERT INTO inbox_events (consumer_group, event_id, topic, partition, "offset")
      SELECT ${consumerGroup}, t.event_id, t.topic, t.partition, t.off
      FROM unnest(${ids}::uuid[], ${topics}::text[], ${partitions}::int[], ${offsets}::bigint[])
        AS t(event_id, topic, partition, off)
      ON CONFLICT DO NOTHING
      RETURNING event_id`;
    return new Set(inserted.map((row) => row.event_id));
  }

  async appendOutbox(tx: Tx, entries: readonly OutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const rows = entries.map(outboxRowOfEntry);
    const ids = rows.map((r) => r.eventId);
    const topics = rows.map((r) => r.topic);
    const keys = rows.map((r) => r.key);
    const types = rows.map((r) => r.type);
    const versions = rows.map((r) => r.version);
    const payloads = rows.map((r) => JSON.stringify(r.payload));
    const headers = rows.map((r) => JSON.stringify(r.headers));
    const createdAt = rows.map((r) => r.createdAt.toISOString());
    // WITH ORDINALITY + ORDER BY: ids are assigned in the order the handler added the events,
    // and the relay publishes in id order.
    await tx.$executeRaw`
      INSERT INTO outbox_events (event_id, topic, key, type, version, payload, headers, created_at)
      SELECT t.event_id, t.topic, t.key, t.type, t.version, t.payload::jsonb, t.headers::jsonb,
             t.created_at
      FROM unnest(${ids}::uuid[], ${topics}::text[], ${keys}::text[], ${types}::text[],
                  ${versions}::int[], ${payloads}::text[], ${headers}::text[],
                  ${createdAt}::timestamptz[])
        WITH ORDINALITY AS t(event_id, topic, key, type, version, payload, headers, created_at, n)
      ORDER BY t.n`;
  }

  override outboxCommitted(): void {
    this.options.onOutboxCommitted?.();
  }
}
