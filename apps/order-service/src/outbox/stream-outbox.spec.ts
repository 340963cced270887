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
});
