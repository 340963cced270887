import { orderCreatedEvent } from '@seckill/testing';
import type { KafkaMessage } from 'kafkajs';
import { EventRegistry, OrderCreatedV1, retryTopic } from '@seckill/contracts';
import { ItemDecoder } from './consumed-item';
import type { IntegrationEventHandler } from './handler-batch';
import { toRecord } from './publisher';
import { retryRecord } from './retry';

const RETRIES = retryTopic('g', 1000);
const handler: IntegrationEventHandler = { event: OrderCreatedV1, handle: async () => undefined };
const event = orderCreatedEvent();

function message(offset: string, value: string, headers: KafkaMessage['headers'] = {}) {
  const m = {
    key: null,
    value: Buffer.from(value),
    timestamp: '0',
    attributes: 0,
    offset,
    headers,
  };
  return m as KafkaMessage;
}

const value = toRecord(OrderCreatedV1, event).value as string;

function decoder(handlers: readonly IntegrationEventHandler[] = [handler]): ItemDecoder {
  return new ItemDecoder(new EventRegistry([OrderCreatedV1]), 'g', handlers, (t) => t === RETRIES);
}

describe('ItemDecoder', () => {
  it('decodes an event for its handler, as attempt 1 from where it was read', () => {
    const item = decoder().decode('order.created', 3, message('9', value));
    expect(item).toMatchObject({
      kind: 'event',
      handler,
      origin: { topic: 'order.created', partition: 3, offset: '9' },
      context: {
        topic: 'order.created',
        partition: 3,
        offset: '9',
        attempt: 1,
        consumerGroup: 'g',
      },
    });
    expect(item.kind === 'event' && item.event.eventId).toBe(event.eventId);
  });

  it('places an event from a retry topic at its first delivery, as the attempt it carries', () => {
    const retry = retryRecord({
      message: message('9', value),
      origin: { topic: 'order.created', partition: 3, offset: '9' },
      consumerGroup: 'g',
      failedAttempt: 1,
      delayMs: 1000,
      error: 'x',
      now: 0,
    });
    const item = decoder().decode(RETRIES, 0, message('0', value, retry.headers));
    expect(item).toMatchObject({
      origin: { topic: 'order.created', partition: 3, offset: '9' },
      context: { attempt: 2, offset: '9' },
    });
  });

  it('says why a message cannot be handled: undecodable, or no handler in this group', () => {
    expect(decoder().decode('t', 0, message('1', '{'))).toMatchObject({
      kind: 'undeliverable',
      reason: 'MALFORMED_JSON',
    });
    expect(decoder([]).decode('t', 0, message('1', value))).toMatchObject({
      kind: 'undeliverable',
      reason: 'NO_HANDLER',
      detail: 'g has no handler for order.created v1',
    });
  });

  it('refuses two handlers for one event', () => {
    expect(() => decoder([handler, handler])).toThrow('two handlers for');
  });
});
