import { orderCreatedEvent } from '@seckill/testing';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { OrderCreatedV1 } from '@seckill/contracts';
import { type OutgoingRecord, publishSpans, toRecord } from '@seckill/kafka';
import {
  runInSpan,
  runWithCorrelation,
  startSpan,
  startTracing,
  type Tracing,
} from '@seckill/observability';
import { ADMISSION_ARGV, type AdmissionArgs, admissionCall } from './admission';
import { fromStreamEntry, toStreamEntry } from './outbox-stream-entry';

/** The entry the admission script appends for `record`: its XADD fields, from the ARGV it gets. */
function appendedFields(record: OutgoingRecord): string[] {
  const { args } = admissionCall({
    saleId: 's-1',
    userId: 'u-1',
    quantity: 1,
    orderId: 'order-1',
    idempotencyKey: null,
    orderSummary: '{}',
    answer: '{}',
    record,
    deadline: null,
  });
  const arg = (name: keyof AdmissionArgs) => args[ADMISSION_ARGV.findIndex(([n]) => n === name)]!;
  return [
    ...['topic', arg('recordTopic'), 'key', arg('recordKey')],
    ...['value', arg('recordValue'), 'headers', arg('recordHeaders')],
  ];
}

function orderCreated() {
  return orderCreatedEvent({ orderId: 'order-1' });
}

describe('the outbox stream entry', () => {
  let exporter: InMemorySpanExporter;
  let tracing: Tracing;
  beforeEach(() => {
    exporter = new InMemorySpanExporter();
    tracing = startTracing('order-service', {}, { exporter });
  });
  afterEach(() => tracing.shutdown());

  it("gives back toRecord's record, headers and trace context included", () => {
    const request = startSpan('POST /api/sales/:saleId/orders');
    const event = orderCreated();
    const record = runWithCorrelation({ correlationId: 'c-1' }, () =>
      runInSpan(request, () => toRecord(OrderCreatedV1, event)),
    );
    request.end();
    expect(record.headers).toEqual(
      expect.objectContaining({ 'correlation-id': 'c-1', traceparent: expect.any(String) }),
    );

    expect(fromStreamEntry(appendedFields(record))).toEqual(record);
  });

  it("keeps the request's trace context, which the relay's send span continues", () => {
    const request = startSpan('POST /api/sales/:saleId/orders');
    const record = runInSpan(request, () => toRecord(OrderCreatedV1, orderCreated()));
    request.end();

    const relayed = fromStreamEntry(appendedFields(record));
    expect(relayed?.headers?.traceparent).toContain(request.spanContext().spanId);
    publishSpans(relayed ? [relayed] : []).end();
    const send = exporter.getFinishedSpans().find((s) => s.name === 'send order.created');
    expect(send?.spanContext().traceId).toBe(request.spanContext().traceId);
    expect(send?.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
  });
});

describe('toStreamEntry', () => {
  it('writes the fields the admission script appends, headers as one JSON object', () => {
    const record = {
      topic: 'order.created',
      key: 'order-1',
      value: '{"eventId":"e-1"}',
      headers: { 'event-id': 'e-1', 'event-type': 'order.created' },
    };
    expect(toStreamEntry(record)).toEqual({
      topic: 'order.created',
      key: 'order-1',
      value: '{"eventId":"e-1"}',
      headers: '{"event-id":"e-1","event-type":"order.created"}',
    });
    expect(fromStreamEntry(appendedFields(record))).toEqual(record);
  });

  it('keeps only string headers (the envelope is the source of truth)', () => {
    const entry = toStreamEntry({
      topic: 't',
      key: 'k',
      value: 'v',
      headers: { a: 'x', b: Buffer.from('y') },
    });
    expect(entry.headers).toBe('{"a":"x"}');
  });

  it('writes a record without a key as an empty key, read back as none', () => {
    const record = { topic: 't', key: null, value: 'v', headers: {} };
    expect(toStreamEntry(record).key).toBe('');
    expect(fromStreamEntry(appendedFields(record))).toEqual(record);
  });
});

describe('fromStreamEntry', () => {
  it('cannot read an entry without topic or value', () => {
    expect(fromStreamEntry(['key', 'k', 'value', 'v'])).toBeNull();
    expect(fromStreamEntry(['topic', 't', 'key', 'k'])).toBeNull();
  });

  it('reads an entry whose headers are not JSON, without its headers', () => {
    expect(fromStreamEntry(['topic', 't', 'value', 'v', 'headers', '{oops'])).toEqual({
      topic: 't',
      key: null,
      value: 'v',
      headers: {},
    });
  });
});
