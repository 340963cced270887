import { orderCreatedEvent } from '@seckill/testing';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { OrderCreatedV1 } from '@seckill/contracts';
import { outboxEntryOf, toRecord } from '@seckill/kafka';
import {
  runInSpan,
  runWithCorrelation,
  startSpan,
  startTracing,
  type Tracing,
} from '@seckill/observability';
import {
  type OutboxRow,
  type OutboxRowInput,
  outboxRowOf,
  outboxRowOfEntry,
  recordOf,
} from './outbox-row';

/** What the relay's SELECT gives back for an inserted row (jsonb columns come back parsed). */
function stored(row: OutboxRowInput): OutboxRow {
  return {
    id: 1n,
    event_id: row.eventId,
    topic: row.topic,
    key: row.key,
    type: row.type,
    version: row.version,
    payload: JSON.parse(JSON.stringify(row.payload)),
    headers: JSON.parse(JSON.stringify(row.headers)) as Record<string, string>,
    created_at: new Date(row.createdAt.getTime()),
  };
}

const event = orderCreatedEvent({ orderId: 'order-1' });

describe('the outbox row', () => {
  let tracing: Tracing;
  beforeEach(() => {
    tracing = startTracing('order-service', {}, { exporter: new InMemorySpanExporter() });
  });
  afterEach(() => tracing.shutdown());

  /** Runs `fn` in one flow: a correlation id and an active span, as a request has. */
  function inFlow<T>(fn: () => T): T {
    const request = startSpan('POST /api/admin/sales');
    try {
      return runWithCorrelation({ correlationId: 'c-1' }, () => runInSpan(request, fn));
    } finally {
      request.end();
    }
  }

  it("gives back toRecord's record, headers and trace context included", () => {
    const { record, row } = inFlow(() => ({
      record: toRecord(OrderCreatedV1, event),
      row: outboxRowOf(OrderCreatedV1, event),
    }));
    expect(record.headers).toEqual(
      expect.objectContaining({ 'correlation-id': 'c-1', traceparent: expect.any(String) }),
    );

    expect(recordOf(stored(row))).toEqual(record);
  });

  it("writes a consumer's entry as the row of its event, with the entry's headers", () => {
    const { record, entry } = inFlow(() => ({
      record: toRecord(OrderCreatedV1, event),
      entry: outboxEntryOf(OrderCreatedV1, event),
    }));
    // Written later, outside the flow: the headers are still the flow's.
    const row = outboxRowOfEntry(entry);

    expect(row.headers).toEqual(record.headers);
    expect(recordOf(stored(row))).toEqual(record);
  });

  it("keeps the envelope's occurredAt as the row's createdAt", () => {
    expect(outboxRowOf(OrderCreatedV1, event).createdAt.toISOString()).toBe(event.occurredAt);
  });
});

describe('recordOf', () => {
  it('reads a row without headers as a record without headers', () => {
    const row = { ...stored(outboxRowOf(OrderCreatedV1, event)), headers: null };
    expect(recordOf(row)).toEqual({ ...toRecord(OrderCreatedV1, event), headers: {} });
  });
});
