import {
  createEvent,
  EVENT_DEFINITIONS,
  eventRegistry,
  EventRegistry,
  isTerminalOrderStatus,
  orderStatus,
  OrderCreatedV1,
  Topic,
  TOPIC_CATALOGUE,
} from './index';

const orderCreated = {
  orderId: 'o-1',
  saleId: 's-1',
  userId: 'u-1',
  quantity: 1,
  idempotencyKey: 'k-1',
  priceCents: 1999,
  acceptedAt: '2026-11-25T12:00:00.000Z',
};

describe('topic catalogue', () => {
  it('names each topic once', () => {
    const names = TOPIC_CATALOGUE.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.sort()).toEqual(Object.values(Topic).sort());
  });

  it('has a topic for every event and an event for every lifecycle topic', () => {
    const eventTopics = new Set(EVENT_DEFINITIONS.map((d) => d.topic));
    for (const definition of EVENT_DEFINITIONS) {
      expect(TOPIC_CATALOGUE.map((t) => t.name)).toContain(definition.topic);
    }
    for (const topic of TOPIC_CATALOGUE.filter((t) => t.name !== Topic.DeadLetter)) {
      expect(eventTopics).toContain(topic.name);
    }
  });
});

describe('isTerminalOrderStatus', () => {
  it('is true only for the statuses the saga never leaves', () => {
    const terminal = orderStatus.options.filter(isTerminalOrderStatus);
    expect(terminal).toEqual(['SHIPPED', 'CANCELLED', 'FAILED']);
  });

  it('is false for a status no store spells', () => {
    expect(isTerminalOrderStatus('DELIVERED')).toBe(false);
    expect(isTerminalOrderStatus('')).toBe(false);
  });
});

describe('createEvent', () => {
  it('wraps a valid payload in an envelope keyed by the aggregate id', () => {
    const event = createEvent(OrderCreatedV1, orderCreated);
    expect(event).toMatchObject({ type: 'order.created', version: 1, key: 'o-1' });
    expect(event.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(() => new Date(event.occurredAt).toISOString()).not.toThrow();
  });

  it('refuses to build an event its consumers would reject', () => {
    expect(() => createEvent(OrderCreatedV1, { ...orderCreated, quantity: 0 })).toThrow();
  });
});

describe('EventRegistry.decode', () => {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value));
  const valid = createEvent(OrderCreatedV1, orderCreated);

  it('accepts a valid event', () => {
    const result = eventRegistry.decode(encode(valid));
    expect(result).toEqual({ ok: true, event: valid });
  });

  it.each([
    ['an empty message', null, 'EMPTY_MESSAGE'],
    ['malformed JSON', Buffer.from('{"eventId":'), 'MALFORMED_JSON'],
    ['a missing eventId', encode({ ...valid, eventId: undefined }), 'INVALID_ENVELOPE'],
    ['a non-uuid eventId', encode({ ...valid, eventId: 'x' }), 'INVALID_ENVELOPE'],
    ['an unknown type', encode({ ...valid, type: 'order.teleported' }), 'UNKNOWN_EVENT_TYPE'],
    ['an unknown version', encode({ ...valid, version: 9 }), 'UNKNOWN_EVENT_TYPE'],
    [
      'a payload of the wrong shape',
      encode({ ...valid, payload: { ...orderCreated, quantity: 'one' } }),
      'INVALID_PAYLOAD',
    ],
  ])('rejects %s with a reason', (_label, value, reason) => {
    expect(eventRegistry.decode(value)).toEqual({
      ok: false,
      reason,
      detail: expect.stringMatching(/.+/),
    });
  });

  it('ignores payload fields it does not know (forward compatible)', () => {
    const result = eventRegistry.decode(
      encode({ ...valid, payload: { ...orderCreated, giftWrap: true } }),
    );
    expect(result).toEqual({ ok: true, event: valid });
  });

  it('refuses two schemas for the same type and version', () => {
    expect(() => new EventRegistry([OrderCreatedV1, OrderCreatedV1] as never)).toThrow(/twice/);
  });
});
