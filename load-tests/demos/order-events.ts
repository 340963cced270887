/**
 * One order's events as Kafka holds them: which order a record belongs to (its key, or the
 * envelope's payload `orderId`), which service produced it, and the line the producer-consumer
 * demo prints for it. Pure.
 */
import { Topic } from '@seckill/contracts';

export interface SeenEvent {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  /** The record's timestamp (epoch ms): when the producer handed it to Kafka. */
  readonly timestampMs: number;
  /** The envelope's type, or null when the value is not an envelope. */
  readonly type: string | null;
  /** The order it is about, or null (a sale's event, a record that is no envelope). */
  readonly orderId: string | null;
}

/** The order a record is about: the envelope's payload `orderId`, else its key on an order topic. */
export function orderIdOf(topic: string, key: string | null, value: string | null): string | null {
  const payloadId = envelopeField(value, 'orderId');
  if (payloadId !== null) return payloadId;
  return topic === Topic.SalePublished ? null : key;
}

export function typeOf(value: string | null): string | null {
  if (value === null) return null;
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed && typeof parsed === 'object' && 'type' in parsed && typeof parsed.type === 'string')
      return parsed.type;
  } catch {
    // not JSON: no type
  }
  return null;
}

function envelopeField(value: string | null, field: string): string | null {
  if (value === null) return null;
  try {
    const parsed: unknown = JSON.parse(value);
    if (!parsed || typeof parsed !== 'object' || !('payload' in parsed)) return null;
    const payload: unknown = parsed.payload;
    if (!payload || typeof payload !== 'object') return null;
    const found = (payload as Record<string, unknown>)[field];
    return typeof found === 'string' ? found : null;
  } catch {
    return null;
  }
}

/** Who writes each topic (its outbox): the producer side of the seed's three elements. */
export function producerOf(topic: string): string {
  if (topic === Topic.DeadLetter) return 'any consumer';
  const [prefix] = topic.split('.');
  const byPrefix: Readonly<Record<string, string>> = {
    sale: 'order-service',
    order: 'order-service',
    inventory: 'inventory-service',
    payment: 'payment-service',
    shipment: 'logistics-service',
  };
  return byPrefix[prefix] ?? '?';
}

/** "+  38 ms  order.created  partition 3  offset 1,204  (order-service's outbox)". */
export function eventLine(event: SeenEvent, purchasedAtMs: number): string {
  const ms = Math.max(0, event.timestampMs - purchasedAtMs);
  return (
    `+${ms.toLocaleString('en-US').padStart(6)} ms  ${event.topic.padEnd(19)} ` +
    `partition ${String(event.partition).padStart(2)}  offset ${event.offset.toLocaleString('en-US')}  ` +
    `(${producerOf(event.topic)}'s outbox)`
  );
}

/** Where the order ended, from its events: SHIPPED, FAILED (its units released), or not yet. */
export function endOf(events: readonly SeenEvent[]): 'SHIPPED' | 'FAILED' | null {
  const topics = new Set(events.map((e) => e.topic));
  if (topics.has(Topic.ShipmentCreated)) return 'SHIPPED';
  if (topics.has(Topic.InventoryReleased) || topics.has(Topic.InventoryRejected)) return 'FAILED';
  return null;
}

/**
 * The groups that have handled an event: those whose committed offset on its partition is past
 * it (a committed offset is the next record the group will read).
 */
export function consumedBy(
  event: SeenEvent,
  commits: ReadonlyMap<string, bigint | undefined>,
): string[] {
  return [...commits]
    .filter(([, committed]) => committed !== undefined && committed > event.offset)
    .map(([group]) => group);
}
