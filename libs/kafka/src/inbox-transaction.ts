/**
 * The database side of consuming: ONE transaction for a set of events, with their inbox rows,
 * the handlers of the new ones, the rows those staged and their outbox rows, committing together
 * or not at all. The chunks of partitions handled at once share such a transaction (group commit
 * through a Coalescer). A handler's failure is told apart from the store's own (HandlerFailure),
 * because only the former costs the event an attempt.
 */
import type { Span } from '@opentelemetry/api';
import { runInSpan, runWithCorrelation, tracingEnabled } from '@seckill/observability';
import type { KafkaMessage } from 'kafkajs';
import { Coalescer } from './coalescer';
import type { EventItem } from './consumed-item';
import type { ConsumerStore, OutboxEntry } from './consumer-store';
import { describeError } from './failure-routing';
import { HandlerBatch } from './handler-batch';
import { HEADER } from './publisher';
import { endConsumerSpans, startConsumerSpan } from './tracing';

/** What an event that made it through the transaction was: new (handled), or seen before. */
export type Applied = 'processed' | 'duplicate';

/** A handler threw (as opposed to the database or the transaction itself failing). */
export class HandlerFailure extends Error {
  constructor(
    readonly error: unknown,
    /** The event's position among the transaction's events. */
    readonly index: number,
  ) {
    super(describeError(error));
  }
}

/** A handler of a shared transaction threw: which chunk it was in, so that chunk knows. */
export class SharedTransactionFailure extends Error {
  constructor(
    readonly failure: HandlerFailure,
    readonly chunk: readonly EventItem[],
  ) {
    super(failure.message);
  }
}

export interface InboxTransactionOptions {
  readonly store: ConsumerStore;
  readonly groupId: string;
  /** The most events in one shared transaction. */
  readonly maxBatchEvents: number;
  /** Told the size of each shared transaction that committed (a metric). */
  readonly onShared?: (events: number) => void;
}

export class InboxTransactions {
  /** The chunks of partitions handled at once, applied in one transaction. */
  private readonly shared: Coalescer<readonly EventItem[], Applied[]>;

  constructor(private readonly options: InboxTransactionOptions) {
    this.shared = new Coalescer((chunks) => this.applyChunksTogether(chunks), {
      weight: (chunk) => chunk.length,
      maxWeight: options.maxBatchEvents,
    });
  }

  /**
   * `chunk` in the transaction it shares with the chunks other partitions add at the same time;
   * one result per event. A handler's failure rejects with SharedTransactionFailure (naming the
   * chunk it was in), anything else with the store's error.
   */
  applyShared(chunk: readonly EventItem[]): Promise<Applied[]> {
    return this.shared.add(chunk);
  }

  /**
   * Inbox rows, effects and follow-up events of `items` in one transaction of their own. While
   * tracing is on, each new event is handled in its CONSUMER span, ended once the transaction
   * settled. A handler's failure rejects with HandlerFailure.
   */
  async apply(items: readonly EventItem[]): Promise<Applied[]> {
    if (!tracingEnabled()) return this.applyItems(items, undefined);
    const spans: Span[] = [];
    try {
      const outcomes = await this.applyItems(items, spans);
      endConsumerSpans(spans);
      return outcomes;
    } catch (error) {
      endConsumerSpans(spans, error instanceof HandlerFailure ? error.error : error);
      throw error;
    }
  }

  /** Several partitions' chunks in one transaction; each chunk gets its own results back. */
  private async applyChunksTogether(
    chunks: readonly (readonly EventItem[])[],
  ): Promise<Applied[][]> {
    let results: Applied[];
    try {
      results = await this.apply(chunks.flat());
    } catch (error) {
      if (!(error instanceof HandlerFailure)) throw error;
      let first = 0;
      const chunk = chunks.find((c) => (first += c.length) > error.index) ?? [];
      throw new SharedTransactionFailure(error, chunk);
    }
    this.options.onShared?.(results.length);
    let from = 0;
    return chunks.map((chunk) => {
      const own = results.slice(from, from + chunk.length);
      from += chunk.length;
      return own;
    });
  }

  private async applyItems(
    items: readonly EventItem[],
    spans: Span[] | undefined,
  ): Promise<Applied[]> {
    const { store, groupId } = this.options;
    let committed: readonly OutboxEntry[] = [];
    const outcomes = await store.transaction(async (tx) => {
      const batch = new HandlerBatch(tx); // a retried transaction starts again
      const fresh = new Set(
        await store.recordInbox(
          tx,
          groupId,
          items.map(({ event, origin }) => ({ event, origin })),
        ),
      );
      const result: Applied[] = [];
      for (const [index, item] of items.entries()) {
        // delete: the same event twice in one chunk is applied once.
        if (!fresh.delete(item.event.eventId)) {
          result.push('duplicate');
          continue;
        }
        const correlationId = headerText(item.message, HEADER.correlationId) ?? item.event.eventId;
        const scope = () => batch.scope(item.context, index, item.event.key);
        const handle = () => item.handler.handle(item.event as never, scope());
        const span = spans && consumerSpan(item);
        if (span) spans?.push(span);
        try {
          await runWithCorrelation({ correlationId }, () =>
            span ? runInSpan(span, handle) : handle(),
          );
        } catch (error) {
          throw new HandlerFailure(error, index);
        }
        result.push('processed');
      }
      await batch.flush((error, index) => new HandlerFailure(error, index));
      if (batch.outbox.length > 0) await store.appendOutbox(tx, batch.outbox);
      committed = batch.outbox;
      return result;
    });
    if (committed.length > 0) store.outboxCommitted();
    return outcomes;
  }
}

function consumerSpan(item: EventItem): Span {
  return startConsumerSpan({
    ...item.context,
    key: item.event.key,
    eventId: item.event.eventId,
    eventType: item.event.type,
    headers: item.message.headers,
  });
}

function headerText(message: KafkaMessage, name: string): string | undefined {
  const value = message.headers?.[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}
