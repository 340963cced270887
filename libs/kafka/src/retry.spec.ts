import type { KafkaMessage } from 'kafkajs';
import { retryTopic } from '@seckill/contracts';
import { RETRY_HEADER, retryRecord, retryStateOf, withoutRetryHeaders } from './retry';

function message(offset: string, headers: KafkaMessage['headers'] = {}): KafkaMessage {
  return {
    key: Buffer.from('order-1'),
    value: Buffer.from('{"the":"event"}'),
    timestamp: '0',
    attributes: 0,
    offset,
    headers,
  } as KafkaMessage;
}

describe('retry records', () => {
  it('re-publish the original key, value and headers to the group retry topic of the delay', () => {
    const record = retryRecord({
      message: message('7', { 'event-id': 'e-1' }),
      origin: { topic: 'order.created', partition: 2, offset: '7' },
      consumerGroup: 'inventory-service',
      failedAttempt: 1,
      delayMs: 5000,
      error: 'Error: db blip',
      now: 1_000,
    });
    expect(record.topic).toBe('seckill.retry.inventory-service.5s');
    expect(record.key).toBe('order-1');
    expect(record.value?.toString()).toBe('{"the":"event"}');
    expect(record.headers).toEqual({
      'event-id': 'e-1',
      [RETRY_HEADER.attempt]: '2',
      [RETRY_HEADER.notBefore]: '6000',
      [RETRY_HEADER.originalTopic]: 'order.created',
      [RETRY_HEADER.originalPartition]: '2',
      [RETRY_HEADER.originalOffset]: '7',
      [RETRY_HEADER.error]: 'Error: db blip',
    });
  });

  it('keep the first origin through several retries and read back as the next attempt', () => {
    const first = retryRecord({
      message: message('7'),
      origin: { topic: 'order.created', partition: 2, offset: '7' },
      consumerGroup: 'g',
      failedAttempt: 1,
      delayMs: 1000,
      error: 'x',
      now: 0,
    });
    const onRetryTopic = message('0', first.headers);
    const state = retryStateOf(onRetryTopic, retryTopic('g', 1000), 0);
    expect(state).toEqual({
      attempt: 2,
      notBefore: 1000,
      origin: { topic: 'order.created', partition: 2, offset: '7' },
    });
    const second = retryRecord({
      message: onRetryTopic,
      origin: state.origin,
      consumerGroup: 'g',
      failedAttempt: state.attempt,
      delayMs: 5000,
      error: 'y',
      now: 2000,
    });
    expect(retryStateOf(message('0', second.headers), retryTopic('g', 5000), 0)).toEqual({
      attempt: 3,
      notBefore: 7000,
      origin: { topic: 'order.created', partition: 2, offset: '7' },
    });
    expect(withoutRetryHeaders(second.headers)).toEqual({});
  });

  it('treat a message without retry headers as due, attempt 2, from where it was read', () => {
    expect(retryStateOf(message('4'), 'seckill.retry.g.1s', 1)).toEqual({
      attempt: 2,
      notBefore: 0,
      origin: { topic: 'seckill.retry.g.1s', partition: 1, offset: '4' },
    });
  });
});

describe('retryTopic', () => {
  it('names one topic per group and delay', () => {
    expect(retryTopic('payment-service', 1000)).toBe('seckill.retry.payment-service.1s');
    expect(retryTopic('payment-service', 30_000)).toBe('seckill.retry.payment-service.30s');
    expect(retryTopic('it-group-1', 250)).toBe('seckill.retry.it-group-1.250ms');
    expect(() => retryTopic('bad group', 1000)).toThrow();
    expect(() => retryTopic('g', 0)).toThrow();
  });
});
