import {
  type Attributes,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
} from '@opentelemetry/api';
import type { IHeaders } from 'kafkajs';
import {
  contextWithSpan,
  extractTraceContext,
  failSpan,
  hasTraceParent,
  injectTraceContext,
  startSpan,
} from '@seckill/observability';
import type { OutgoingRecord } from './publisher';

/** The messaging semantic conventions' attributes for Kafka, as the spans here carry them. */
const SYSTEM = { 'messaging.system': 'kafka' } as const;

function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

/** The spans of one `sendBatch`, and the records to send: their traceparent is their span's. */
export interface PublishSpans {
  readonly records: readonly OutgoingRecord[];
  end(error?: unknown): void;
}

/**
 * A PRODUCER span (`send <topic>`) for each record that carries a trace context (written with it
 * into the outbox, or by the request that made it), as that context's child; the record then
 * carries the span's own `traceparent`, so its consumers are the span's children. A record with
 * no context (an event no traced flow caused) is sent as it is: it starts no trace here.
 */
export function publishSpans(records: readonly OutgoingRecord[]): PublishSpans {
  const spans: Span[] = [];
  const traced = records.map((record) => {
    const parent = extractTraceContext(record.headers);
    if (!hasTraceParent(parent)) return record;
    const attributes: Attributes = {
      ...SYSTEM,
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.destination.name': record.topic,
    };
    const eventId = headerText(record.headers, 'event-id');
    const eventType = headerText(record.headers, 'event-type');
    if (eventId) attributes['messaging.message.id'] = eventId;
    if (eventType) attributes['seckill.event.type'] = eventType;
    if (record.key !== null) attributes['messaging.kafka.message.key'] = record.key;
    const span = startSpan(`send ${record.topic}`, { kind: SpanKind.PRODUCER, parent, attributes });
    spans.push(span);
    const headers: IHeaders = { ...record.headers };
    injectTraceContext(headers, contextWithSpan(span, parent));
    return { ...record, headers };
  });
  return {
    records: traced,
    end(error?: unknown): void {
      for (const span of spans) {
        if (error !== undefined) failSpan(span, error);
        span.end();
      }
    },
  };
}

/** Where a consumed event was read, and by whom: the consumer span's attributes. */
export interface ConsumedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly consumerGroup: string;
  readonly key: string | null;
  readonly eventId: string;
  readonly eventType: string;
  readonly attempt: number;
  readonly headers: IHeaders | undefined;
}

/**
 * The CONSUMER span (`process <topic>`) of one event, the child of the `traceparent` it was
 * published with (none, or a malformed one: a new trace). The caller runs the handler with it
 * active and ends it when the event's transaction settled (`endConsumerSpans`).
 */
export function startConsumerSpan(message: ConsumedMessage): Span {
  const parent = extractTraceContext(message.headers);
  return startSpan(`process ${message.topic}`, {
    kind: SpanKind.CONSUMER,
    parent: hasTraceParent(parent) ? parent : ROOT_CONTEXT,
    attributes: {
      ...SYSTEM,
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': message.topic,
      'messaging.destination.partition.id': String(message.partition),
      'messaging.kafka.offset': Number(message.offset),
      'messaging.consumer.group.name': message.consumerGroup,
      'messaging.message.id': message.eventId,
      ...(message.key !== null ? { 'messaging.kafka.message.key': message.key } : {}),
      'seckill.event.type': message.eventType,
      'seckill.event.attempt': message.attempt,
    },
  });
}

/** Ends the spans of a consumer transaction: all failed if it rolled back. */
export function endConsumerSpans(spans: readonly Span[], error?: unknown): void {
  for (const span of spans) {
    if (error !== undefined) {
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: `transaction rolled back: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
    span.end();
  }
}
