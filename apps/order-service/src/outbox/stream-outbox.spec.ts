import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { createEvent, OrderCreatedV1 } from '@seckill/contracts';
import { publishSpans, toRecord } from '@seckill/kafka';
import { runInSpan, startSpan, startTracing } from '@seckill/observability';
import { fromStreamFields, toStreamRecord } from './stream-outbox';

describe('outbox stream records', () => {
  it('round-trip a Kafka record through the stream fields the script writes', () => {
    const record = {
      topic: 'order.created',
      key: 'order-1',
      value: '{"eventId":"e-1"}',
      headers: { 'event-id': 'e-1', 'event-type': 'order.created' },
    };
    const stream = toStreamRecord(record);
    const fields = ['topic', stream.topic, 'key', stream.key, 'value', stream.value];
    fields.push('headers', JSON.stringify(stream.headers));
    expect(fromStreamFields(fields)).toEqual(record);
  });

  it('keeps only string headers (the envelope is the source of truth)', () => {
    const stream = toStreamRecord({
      topic: 't',
      key: 'k',
      value: 'v',
      headers: { a: 'x', b: Buffer.from('y') },
    });
    expect(stream.headers).toEqual({ a: 'x' });
  });

  it('cannot read an entry without topic or value, and tolerates broken headers', () => {
    expect(fromStreamFields(['key', 'k', 'value', 'v'])).toBeNull();
    expect(fromStreamFields(['topic', 't', 'key', 'k'])).toBeNull();
    expect(fromStreamFields(['topic', 't', 'value', 'v', 'headers', '{oops'])).toEqual({
      topic: 't',
      key: null,
      value: 'v',
      headers: {},
    });
  });

  it("keeps the request's trace context, which the relay's send span continues", async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = startTracing('order-service', {}, { exporter });
    try {
      const request = startSpan('POST /api/sales/:saleId/orders');
      const event = createEvent(OrderCreatedV1, {
        orderId: 'order-1',
        saleId: 's-1',
        userId: 'u-1',
        quantity: 1,
        idempotencyKey: 'k-1',
        priceCents: 100,
        acceptedAt: new Date(0).toISOString(),
      });
      const stream = toStreamRecord(runInSpan(request, () => toRecord(OrderCreatedV1, event)));
      request.end();
      const fields = ['topic', stream.topic, 'key', stream.key, 'value', stream.value];
      fields.push('headers', JSON.stringify(stream.headers));
      const relayed = fromStreamFields(fields);
      expect(relayed?.headers?.traceparent).toContain(request.spanContext().spanId);

      publishSpans(relayed ? [relayed] : []).end();
      const send = exporter.getFinishedSpans().find((s) => s.name === 'send order.created');
      expect(send?.spanContext().traceId).toBe(request.spanContext().traceId);
      expect(send?.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    } finally {
      await tracing.shutdown();
    }
  });
});
