import { orderCreatedPayload } from '@seckill/testing';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import {
  createEvent,
  OrderCreatedV1,
  PaymentSucceededV1,
  ShipmentCreatedV1,
} from '@seckill/contracts';
import {
  runInSpan,
  runWithCorrelation,
  startSpan,
  startTracing,
  type Tracing,
} from '@seckill/observability';
import { type ChunkWriter, type EventContext, HandlerBatch } from './consumer-runner';
import { toRecord } from './publisher';
import { publishSpans, startConsumerSpan } from './tracing';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;

const record = (headers: Record<string, string | Buffer>) => ({
  topic: 'order.created',
  key: 'order-1',
  value: '{}',
  headers: { 'event-id': 'e-1', 'event-type': 'order.created', ...headers },
});

const orderCreated = orderCreatedPayload({ orderId: 'order-1' });

describe('with tracing off', () => {
  it('records carry no trace context and are sent untouched', () => {
    const span = startSpan('x');
    const headers = runInSpan(
      span,
      () => toRecord(OrderCreatedV1, createEvent(OrderCreatedV1, orderCreated)).headers,
    );
    expect(headers).not.toHaveProperty('traceparent');
  });
});

describe('with tracing on', () => {
  let exporter: InMemorySpanExporter;
  let tracing: Tracing;
  const finished = (name: string): ReadableSpan[] =>
    exporter.getFinishedSpans().filter((span) => span.name === name);

  beforeEach(() => {
    exporter = new InMemorySpanExporter();
    tracing = startTracing('test-service', {}, { exporter });
  });
  afterEach(() => tracing.shutdown());

  describe('toRecord', () => {
    it("writes the active span's traceparent next to the event's own headers", () => {
      const span = startSpan('request');
      const { headers } = runInSpan(span, () =>
        toRecord(OrderCreatedV1, createEvent(OrderCreatedV1, orderCreated)),
      );
      span.end();
      expect(headers).toMatchObject({
        'event-type': 'order.created',
        traceparent: `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`,
      });
    });

    it('writes none outside any span', () => {
      const { headers } = toRecord(OrderCreatedV1, createEvent(OrderCreatedV1, orderCreated));
      expect(headers).not.toHaveProperty('traceparent');
    });
  });

  describe('publishSpans', () => {
    it("sends a traced record in a PRODUCER span, the record's context's child", () => {
      const spans = publishSpans([record({ traceparent: TRACEPARENT })]);
      spans.end();
      const [send] = finished('send order.created');
      expect(send?.kind).toBe(SpanKind.PRODUCER);
      expect(send?.spanContext().traceId).toBe(TRACE_ID);
      expect(send?.parentSpanContext?.spanId).toBe(SPAN_ID);
      expect(send?.attributes).toMatchObject({
        'messaging.system': 'kafka',
        'messaging.operation.type': 'send',
        'messaging.destination.name': 'order.created',
        'messaging.message.id': 'e-1',
        'messaging.kafka.message.key': 'order-1',
      });
      // The consumer continues the send span, not the span before it.
      expect(spans.records[0]?.headers).toMatchObject({
        'event-id': 'e-1',
        traceparent: `00-${TRACE_ID}-${send?.spanContext().spanId}-01`,
      });
    });

    it.each([
      ['no traceparent', {}],
      ['a malformed traceparent', { traceparent: '00-nonsense-01' }],
      ['a binary traceparent', { traceparent: Buffer.from([0xde, 0xad]) }],
    ])('sends a record with %s untouched, with no span and no error', (_, headers) => {
      const given = record(headers);
      const spans = publishSpans([given]);
      spans.end();
      expect(spans.records[0]).toBe(given);
      expect(exporter.getFinishedSpans()).toEqual([]);
    });

    it('marks the spans of a failed send', () => {
      publishSpans([record({ traceparent: TRACEPARENT })]).end(new Error('broker down'));
      const [send] = finished('send order.created');
      expect(send?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'Error: broker down' });
    });
  });

  describe('startConsumerSpan', () => {
    const message = {
      topic: 'order.created',
      partition: 3,
      offset: '42',
      consumerGroup: 'inventory-service',
      key: 'order-1',
      eventId: 'e-1',
      eventType: 'order.created',
      attempt: 1,
    };

    it('continues the traceparent of the Kafka headers, with the messaging attributes', () => {
      startConsumerSpan({ ...message, headers: { traceparent: Buffer.from(TRACEPARENT) } }).end();
      const [process] = finished('process order.created');
      expect(process?.kind).toBe(SpanKind.CONSUMER);
      expect(process?.spanContext().traceId).toBe(TRACE_ID);
      expect(process?.parentSpanContext?.spanId).toBe(SPAN_ID);
      expect(process?.attributes).toMatchObject({
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.destination.name': 'order.created',
        'messaging.destination.partition.id': '3',
        'messaging.kafka.offset': 42,
        'messaging.consumer.group.name': 'inventory-service',
        'messaging.message.id': 'e-1',
      });
    });

    it('starts a new trace for a malformed or missing traceparent', () => {
      startConsumerSpan({ ...message, headers: { traceparent: 'ff-garbage' } }).end();
      startConsumerSpan({ ...message, headers: undefined }).end();
      const spans = finished('process order.created');
      expect(spans).toHaveLength(2);
      for (const span of spans) expect(span.parentSpanContext).toBeUndefined();
    });
  });

  describe('HandlerBatch', () => {
    const context: EventContext = {
      topic: 'payment.succeeded',
      partition: 0,
      offset: '1',
      attempt: 1,
      consumerGroup: 'logistics-service',
    };
    const succeeded = {
      orderId: 'order-1',
      saleId: 's-1',
      userId: 'u-1',
      quantity: 1,
      paymentId: 'p-1',
      amountCents: 100,
    };
    const shipment = {
      orderId: 'order-1',
      saleId: 's-1',
      userId: 'u-1',
      quantity: 1,
      shipmentId: '5d9f3c4e-8a83-4c3b-9d2f-2c4b2b0c8f11',
      trackingNumber: 'T-1',
    };

    /** Stands for the logistics writer: adds `shipment.created` after the handlers ran. */
    const shipmentWriter: ChunkWriter<string, 'tx'> = {
      async write(_tx, rows, outbox) {
        for (const orderId of rows) outbox.add(ShipmentCreatedV1, { ...shipment, orderId });
      },
    };

    it("gives a writer's event the flow of the handled event of the same key", async () => {
      const batch = new HandlerBatch<'tx'>('tx');
      const consumed = startSpan('process payment.succeeded');
      const other = startSpan('process payment.succeeded');
      const handle = (span: typeof consumed, orderId: string, correlationId: string) =>
        runWithCorrelation({ correlationId }, () =>
          runInSpan(span, () => batch.scope(context, 0, orderId).stage(shipmentWriter, orderId)),
        );
      handle(consumed, 'order-1', 'c-1');
      handle(other, 'order-2', 'c-2');
      await batch.flush();
      const [first, second] = batch.outbox;
      expect(first?.event.key).toBe('order-1');
      expect(first?.headers).toMatchObject({
        'correlation-id': 'c-1',
        traceparent: `00-${consumed.spanContext().traceId}-${consumed.spanContext().spanId}-01`,
      });
      expect(second?.headers).toMatchObject({
        'correlation-id': 'c-2',
        traceparent: `00-${other.spanContext().traceId}-${other.spanContext().spanId}-01`,
      });
    });

    it("keeps a handler's own event in the handler's span", () => {
      const batch = new HandlerBatch<'tx'>('tx');
      const handler = startSpan('process payment.succeeded');
      runWithCorrelation({ correlationId: 'c-1' }, () =>
        runInSpan(handler, () =>
          batch.scope(context, 0, 'order-1').outbox.add(PaymentSucceededV1, succeeded),
        ),
      );
      expect(batch.outbox[0]?.headers.traceparent).toContain(handler.spanContext().spanId);
    });

    it('leaves an event of an unknown key without a trace context', async () => {
      const batch = new HandlerBatch<'tx'>('tx');
      batch.scope(context, 0).stage(shipmentWriter, 'order-9');
      await batch.flush();
      expect(batch.outbox[0]?.headers).not.toHaveProperty('traceparent');
    });
  });

  it('keeps one trace across a hop: request → record → send → process', () => {
    const request = startSpan('POST /api/sales/:saleId/orders', { kind: SpanKind.SERVER });
    const made = runInSpan(request, () =>
      toRecord(OrderCreatedV1, createEvent(OrderCreatedV1, orderCreated)),
    );
    request.end();
    const sent = publishSpans([made]);
    sent.end();
    const headers = sent.records[0]?.headers;
    const process = startConsumerSpan({
      topic: 'order.created',
      partition: 0,
      offset: '0',
      consumerGroup: 'g',
      key: 'order-1',
      eventId: 'e',
      eventType: 'order.created',
      attempt: 1,
      headers,
    });
    process.end();
    const traceIds = new Set(exporter.getFinishedSpans().map((s) => s.spanContext().traceId));
    expect(traceIds).toEqual(new Set([request.spanContext().traceId]));
    const [send] = finished('send order.created');
    expect(send?.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    const [consumed] = finished('process order.created');
    expect(consumed?.parentSpanContext?.spanId).toBe(send?.spanContext().spanId);
  });
});
