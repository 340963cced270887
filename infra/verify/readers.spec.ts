import type { KafkaMessage } from 'kafkajs';
import { deadLetterRecord } from '@seckill/kafka';
import { toRow } from './read-dead-letters';
import { parseSummary } from './read-redis';

describe('parseSummary', () => {
  it('reads the buyer and quantity of the summary the admission script stored', () => {
    const summary = JSON.stringify({
      orderId: 'o1',
      saleId: 's1',
      userId: 'alice',
      quantity: 2,
      status: 'PENDING',
      history: [],
    });
    expect(parseSummary('o1', summary)).toEqual({ orderId: 'o1', userId: 'alice', quantity: 2 });
  });

  it.each(['not json', '42', '{"userId":"a"}', '{"userId":"a","quantity":1.5}'])(
    'refuses %s',
    (summary) => {
      expect(parseSummary('o1', summary)).toBeNull();
    },
  );
});

describe('toRow (a dead letter as the verifier lists it)', () => {
  function dead(topic: string, key: string | null, value: string): KafkaMessage {
    const original = {
      key: key === null ? null : Buffer.from(key),
      value: Buffer.from(value),
      timestamp: '0',
      attributes: 0,
      offset: '5',
      headers: {},
    } as KafkaMessage;
    const record = deadLetterRecord({
      topic,
      partition: 2,
      message: original,
      consumerGroup: 'payment-service',
      reason: 'UNDECODABLE',
      error: 'SyntaxError: bad\n    at parse',
      attempts: 1,
    });
    return { ...original, headers: record.headers } as KafkaMessage;
  }

  it("names the order and sale from the envelope's payload", () => {
    const message = dead(
      'inventory.reserved',
      'key-ignored',
      JSON.stringify({ payload: { orderId: 'o1', saleId: 's1' } }),
    );
    expect(toRow({ id: '0:3', partition: 0, offset: '3', message }, false)).toEqual({
      id: '0:3',
      reason: 'UNDECODABLE',
      originalTopic: 'inventory.reserved',
      consumerGroup: 'payment-service',
      orderId: 'o1',
      saleId: 's1',
      error: 'SyntaxError: bad',
      redriven: false,
    });
  });

  it('falls back to the key of an order-keyed topic, but not of sale.published', () => {
    const letter = (topic: string) => ({
      id: '0:1',
      partition: 0,
      offset: '1',
      message: dead(topic, 'the-key', '{not json'),
    });
    expect(toRow(letter('payment.failed'), true)).toMatchObject({
      orderId: 'the-key',
      saleId: null,
      redriven: true,
    });
    expect(toRow(letter('sale.published'), false)).toMatchObject({ orderId: null });
  });
});
