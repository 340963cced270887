import { type ConsumedEvent, ConsumerStore, type OutboxEntry } from './consumer-store';

/** What a handler gets as `tx` from the in-memory store: the writes staged by its transaction. */
export interface InMemoryTransaction {
  readonly inbox: string[];
  readonly outbox: OutboxEntry[];
  /** A test handler's own writes: kept only if the transaction commits, like a table's rows. */
  readonly effects: unknown[];
}

/**
 * A `ConsumerStore` without a database, for the runner's own tests: a transaction stages its
 * inbox and outbox writes and applies them only when the work resolves, so a failed handler
 * leaves no inbox row behind, as a rolled-back Postgres transaction would.
 */
export class InMemoryConsumerStore extends ConsumerStore<InMemoryTransaction> {
  readonly inbox = new Set<string>();
  readonly outbox: OutboxEntry[] = [];
  /** The committed `effects` of every transaction, in commit order. */
  readonly effects: unknown[] = [];
  transactions = 0;

  async transaction<R>(work: (tx: InMemoryTransaction) => Promise<R>): Promise<R> {
    const tx: InMemoryTransaction = { inbox: [], outbox: [], effects: [] };
    const result = await work(tx);
    for (const key of tx.inbox) this.inbox.add(key);
    this.outbox.push(...tx.outbox);
    this.effects.push(...tx.effects);
    this.transactions += 1;
    return result;
  }

  async recordInbox(
    tx: InMemoryTransaction,
    consumerGroup: string,
    events: readonly ConsumedEvent[],
  ): Promise<ReadonlySet<string>> {
    const fresh = new Set<string>();
    for (const { event } of events) {
      const key = `${consumerGroup}/${event.eventId}`;
      if (this.inbox.has(key) || tx.inbox.includes(key)) continue;
      tx.inbox.push(key);
      fresh.add(event.eventId);
    }
    return fresh;
  }

  async appendOutbox(tx: InMemoryTransaction, entries: readonly OutboxEntry[]): Promise<void> {
    tx.outbox.push(...entries);
  }
}
