import { Topic } from '@seckill/contracts';
import {
  type SeenEvent,
  consumedBy,
  endOf,
  eventLine,
  orderIdOf,
  producerOf,
  typeOf,
} from './order-events';

const envelope = (type: string, payload: object) =>
  JSON.stringify({ eventId: 'e', type, version: 1, occurredAt: 'now', key: 'k', payload });

const event = (topic: string, offset: bigint, timestampMs = 1_000): SeenEvent => ({
  topic,
  partition: 3,
  offset,
  timestampMs,
  type: topic,
  orderId: 'o1',
});

describe('orderIdOf', () => {
  it("reads the payload's orderId first", () => {
    expect(
      orderIdOf(Topic.OrderCreated, 'other', envelope('order.created', { orderId: 'o1' })),
    ).toBe('o1');
  });

  it('falls back on the key of an order topic, never of sale.published', () => {
    expect(orderIdOf(Topic.PaymentFailed, 'o2', 'not json')).toBe('o2');
    expect(orderIdOf(Topic.SalePublished, 's1', envelope('sale.published', { saleId: 's1' }))).toBe(
      null,
    );
  });
});

describe('typeOf', () => {
  it("is the envelope's type, or null", () => {
    expect(typeOf(envelope('payment.succeeded', {}))).toBe('payment.succeeded');
    expect(typeOf('{"x":1}')).toBeNull();
    expect(typeOf('nope')).toBeNull();
    expect(typeOf(null)).toBeNull();
  });
});

describe('producerOf', () => {
  it('names the service whose outbox writes the topic', () => {
    expect(producerOf(Topic.OrderCreated)).toBe('order-service');
    expect(producerOf(Topic.InventoryReleased)).toBe('inventory-service');
    expect(producerOf(Topic.PaymentSucceeded)).toBe('payment-service');
    expect(producerOf(Topic.ShipmentCreated)).toBe('logistics-service');
    expect(producerOf(Topic.DeadLetter)).toBe('any consumer');
  });
});

describe('eventLine', () => {
  it('prints the ms since the purchase, topic, partition, offset and producer', () => {
    expect(eventLine(event(Topic.OrderCreated, 1204n, 1_038), 1_000)).toBe(
      "+    38 ms  order.created       partition  3  offset 1,204  (order-service's outbox)",
    );
  });
});

describe('endOf', () => {
  it('is SHIPPED on shipment.created, FAILED on a release or rejection, else null', () => {
    expect(endOf([event(Topic.OrderCreated, 1n)])).toBeNull();
    expect(endOf([event(Topic.OrderCreated, 1n), event(Topic.ShipmentCreated, 2n)])).toBe(
      'SHIPPED',
    );
    expect(endOf([event(Topic.PaymentFailed, 1n), event(Topic.InventoryReleased, 2n)])).toBe(
      'FAILED',
    );
    expect(endOf([event(Topic.InventoryRejected, 1n)])).toBe('FAILED');
  });
});

describe('consumedBy', () => {
  it('lists the groups whose committed offset is past the event', () => {
    const commits = new Map<string, bigint | undefined>([
      ['inventory-service', 11n],
      ['payment-service', 10n],
      ['logistics-service', undefined],
    ]);
    expect(consumedBy(event(Topic.OrderCreated, 10n), commits)).toEqual(['inventory-service']);
  });
});
