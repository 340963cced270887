import type { EventDefinition, EventEnvelope } from '@seckill/contracts';

/** Where a consumed event was read from. */
export interface EventOrigin {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export interface ConsumedEvent {
  readonly event: EventEnvelope;
  readonly origin: EventOrigin;
}

/** A follow-up event as the outbox stores it: the envelope plus where it goes. */
export interface OutboxEntry {
  readonly topic: string;
  readonly event: EventEnvelope;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The database side of a consumer group, written once for every service (libs/persistence
 * implements it on a service's Prisma client). The runner opens ONE transaction per chunk of
 * events and in it: records the inbox rows, runs the handlers of the events that were new, and
 * appends the follow-up events to the outbox. Effect, inbox row and outbox rows commit together
 * or not at all; offsets are committed to Kafka only afterwards.
 *
 * An abstract class rather than an interface so that it is its own Nest injection token.
 */
export abstract class ConsumerStore<Tx = unknown> {
  /** Runs `work` in one database transaction; a rejection rolls everything back. */
  abstract transaction<R>(work: (tx: Tx) => Promise<R>): Promise<R>;

  /**
   * Inserts the inbox rows of `events` for `consumerGroup` (ON CONFLICT DO NOTHING) and resolves
   * with the ids of the events that were new. The others were applied before: a redelivery.
   */
  abstract recordInbox(
    tx: Tx,
    consumerGroup: string,
    events: readonly ConsumedEvent[],
  ): Promise<ReadonlySet<string>>;

  /** Appends follow-up events to the outbox table, in order. */
  abstract appendOutbox(tx: Tx, entries: readonly OutboxEntry[]): Promise<void>;

  /** Called after a transaction that wrote outbox rows committed: relay them now, not at the next poll. */
  outboxCommitted(): void {
    // Nothing by default: the relay's next poll picks the rows up.
  }
}

/** Follow-up events of one handler call; written in the handler's transaction. */
export interface Outbox {
  add<TType extends string, TPayload>(
    definition: EventDefinition<TType, TPayload>,
    payload: TPayload,
  ): EventEnvelope<TType, TPayload>;
}
