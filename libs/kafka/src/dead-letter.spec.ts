import { Topic } from '@seckill/contracts';
import { deadLetterRecord, DLQ_HEADER } from './dead-letter';

describe('deadLetterRecord', () => {
  it('keeps the original bytes, key and headers and adds why and where from', () => {
    const value = Buffer.from('{"broken":');
    const record = deadLetterRecord({
      topic: 'order.created',
      partition: 7,
      message: {
        key: Buffer.from('order-1'),
        value,
        offset: '42',
        timestamp: '0',
        attributes: 0,
        headers: { 'correlation-id': 'c-1' },
      },
      consumerGroup: 'inventory-service',
      reason: 'MALFORMED_JSON',
      error: 'Unexpected end of JSON input',
      attempts: 0,
      failedAt: new Date('2026-11-25T12:00:00Z'),
    });
    expect(record.topic).toBe(Topic.DeadLetter);
    expect(record.key).toBe('order-1');
    expect(record.value).toBe(value);
    expect(record.headers).toEqual({
      'correlation-id': 'c-1',
      [DLQ_HEADER.reason]: 'MALFORMED_JSON',
      [DLQ_HEADER.error]: 'Unexpected end of JSON input',
      [DLQ_HEADER.originalTopic]: 'order.created',
      [DLQ_HEADER.originalPartition]: '7',
      [DLQ_HEADER.originalOffset]: '42',
      [DLQ_HEADER.attempts]: '0',
      [DLQ_HEADER.consumerGroup]: 'inventory-service',
      [DLQ_HEADER.failedAt]: '2026-11-25T12:00:00.000Z',
    });
  });
});
