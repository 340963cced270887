/**
 * What a handler sees of the consumer, and the one transaction's worth of handler calls behind
 * it: the handler contract (`IntegrationEventHandler`, its `HandlerScope`, the `ChunkWriter`s it
 * stages rows for) and `HandlerBatch`, which gives each handler its scope and collects the
 * follow-up events and staged rows of a transaction. Apart from the runner's loop, so that a
 * handler's author (and a test driving handlers in its own transaction) reads only this.
 */
import { createEvent, EnvelopeOf, EventDefinition, EventEnvelope } from '@seckill/contracts';
import type { Context } from '@opentelemetry/api';
import {
  captureContext,
  type CorrelationContext,
  currentCorrelation,
  runInContext,
  runWithCorrelation,
} from '@seckill/observability';
import type { Outbox, OutboxEntry } from './consumer-store';
import { toRecord } from './publisher';

export interface EventContext {
  /** Where the event was first read from (also when it comes back from a retry topic). */
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** 1 on first delivery, n on the n-th (retries come back through the group's retry topics). */
  readonly attempt: number;
  readonly consumerGroup: string;
}

/**
 * What a handler works with: the open transaction (the service's Prisma transaction client),
 * the outbox for its follow-up events, and where the event came from. The runner has already
 * recorded the event in the inbox in `tx`; a redelivered event never reaches the handler.
 */
export interface HandlerScope<Tx = unknown> {
  readonly tx: Tx;
  readonly outbox: Outbox;
  readonly context: EventContext;
  /**
   * Hands `row` to `writer`, which writes the rows of every handler of this transaction at once
   * after the last handler ran (see ChunkWriter): one set-based statement for a chunk of events
   * instead of one per event.
   */
  stage<Row>(writer: ChunkWriter<Row, Tx>, row: Row): void;
}

/**
 * Writes, in one go, the rows the handlers of one consumer transaction staged
 * (`scope.stage(writer, row)`): an `INSERT … SELECT FROM unnest(…)` for a chunk instead of one
 * statement per event. Each statement costs a round trip, a parse and a plan, in the service and
 * in PostgreSQL, whatever it writes; for a one-row write that is most of the cost.
 *
 * The runner calls `write` once per transaction, after the handlers and before the outbox rows,
 * with the rows in the order they were staged; writers run in the order they were first staged.
 * A writer whose rows decide the follow-up events (only a row actually inserted announces itself)
 * adds them to `outbox`: the transaction's outbox, after the handlers' own events.
 * A rejection fails the transaction like a handler's would: the chunk is then applied event by
 * event, so the event whose row broke it takes the failure path alone.
 */
export interface ChunkWriter<Row, Tx = unknown> {
  write(tx: Tx, rows: readonly Row[], outbox: Outbox): Promise<void>;
}

/** One handler per event (type and version), named after it: `OrderCreatedIntegrationEventHandler`. */
export interface IntegrationEventHandler<
  D extends EventDefinition = EventDefinition,
  Tx = unknown,
> {
  readonly event: D;
  handle(event: EnvelopeOf<D>, scope: HandlerScope<Tx>): Promise<void>;
}

/**
 * The handlers of one consumer transaction: the scope each gets, the follow-up events they add
 * (`outbox`, for `ConsumerStore.appendOutbox`) and the rows they stage, written by `flush` after
 * the last handler. The runner uses one per transaction; a test that drives handlers in a
 * transaction of its own uses one the same way:
 *   const batch = new HandlerBatch(tx);
 *   await handler.handle(event, batch.scope(context));
 *   await batch.flush();
 */
export class HandlerBatch<Tx> {
  readonly outbox: OutboxEntry[] = [];
  /** Writer → its rows, and the first event (its index) that staged one. */
  private readonly staged = new Map<ChunkWriter<unknown, Tx>, { rows: unknown[]; index: number }>();
  /** The flow (correlation, trace context) of each handled event, by the event's key. */
  private readonly flows = new Map<string, Flow>();

  /**
   * Adds to `outbox`: what handlers and writers get as their `Outbox`. A handler adds within its
   * event's flow, so its events carry that flow's correlation id and trace context. A writer
   * adds after the handlers, outside any flow: its event takes the flow of the handled event of
   * the same key (the saga's events are all keyed by order id), so `shipment.created`, written
   * by the logistics writer, continues the trace of the `payment.succeeded` that asked for it.
   */
  private readonly outboxAdder: Outbox = {
    add: <TType extends string, TPayload>(
      definition: EventDefinition<TType, TPayload>,
      payload: TPayload,
    ): EventEnvelope<TType, TPayload> => {
      const event = createEvent(definition, payload);
      const flow = currentCorrelation() ? undefined : this.flows.get(event.key);
      const entry = flow
        ? runWithFlow(flow, () => outboxEntryOf(definition, event))
        : outboxEntryOf(definition, event);
      this.outbox.push(entry);
      return event;
    },
  };

  constructor(readonly tx: Tx) {}

  /**
   * The scope of the `index`-th event of the transaction. Called in the event's flow, with its
   * `key`, the batch remembers that flow for the events writers add later (see `outbox`).
   */
  scope(context: EventContext, index = 0, key?: string): HandlerScope<Tx> {
    if (key !== undefined) {
      this.flows.set(key, { correlation: currentCorrelation(), trace: captureContext() });
    }
    const { staged } = this;
    return {
      tx: this.tx,
      context,
      outbox: this.outboxAdder,
      stage<Row>(writer: ChunkWriter<Row, Tx>, row: Row): void {
        const key = writer as ChunkWriter<unknown, Tx>;
        const batch = staged.get(key) ?? { rows: [], index };
        batch.rows.push(row);
        staged.set(key, batch);
      },
    };
  }

  /**
   * Writes the staged rows, writer by writer in the order they were first staged. A failed write
   * rejects with `failure(error, index)`, `index` being the first event that staged a row for it
   * (default: the error itself).
   */
  async flush(
    failure: (error: unknown, index: number) => unknown = (error) => error,
  ): Promise<void> {
    const writes = [...this.staged];
    this.staged.clear();
    for (const [writer, { rows, index }] of writes) {
      try {
        await writer.write(this.tx, rows, this.outboxAdder);
      } catch (error) {
        throw failure(error, index);
      }
    }
  }
}

/**
 * A new event as an outbox row: the envelope and the headers it will be published with. For
 * writers outside a handler (a handler uses `scope.outbox`), with `ConsumerStore.appendOutbox`.
 */
export function outboxEntry<TType extends string, TPayload>(
  definition: EventDefinition<TType, TPayload>,
  payload: TPayload,
): OutboxEntry {
  return outboxEntryOf(definition, createEvent(definition, payload));
}

/** The flow an event was handled in: what the events written for it later continue. */
interface Flow {
  readonly correlation: CorrelationContext | undefined;
  readonly trace: Context | undefined;
}

function runWithFlow<T>(flow: Flow, fn: () => T): T {
  const inTrace = () => runInContext(flow.trace, fn);
  return flow.correlation ? runWithCorrelation(flow.correlation, inTrace) : inTrace();
}

/**
 * `event` as an outbox entry, with the headers `toRecord` gives it in the current flow (its
 * correlation id and trace context): a relayed row must carry the flow it was written in.
 */
export function outboxEntryOf<TType extends string, TPayload>(
  definition: EventDefinition<TType, TPayload>,
  event: EventEnvelope<TType, TPayload>,
): OutboxEntry {
  const record = toRecord(definition, event);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.headers ?? {})) {
    if (typeof value === 'string') headers[name] = value;
  }
  return { topic: definition.topic, event, headers };
}
