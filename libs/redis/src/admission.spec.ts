import { parseAdmissionReply } from './admission';
import { orderIndexKey, saleKeys } from './sale-keys';

describe('parseAdmissionReply', () => {
  it.each([
    [
      ['ACCEPTED', '1700000000000-0', 4],
      { outcome: 'ACCEPTED', entryId: '1700000000000-0', remainingStock: 4 },
    ],
    [['REPLAYED', '{"orderId":"o-1"}'], { outcome: 'REPLAYED', answer: '{"orderId":"o-1"}' }],
    [['NOT_FOUND'], { outcome: 'NOT_FOUND' }],
    [['DEADLINE_EXCEEDED'], { outcome: 'DEADLINE_EXCEEDED' }],
    [['NOT_OPEN', 'NOT_STARTED'], { outcome: 'NOT_OPEN', reason: 'NOT_STARTED' }],
    [['NOT_OPEN', 'ENDED'], { outcome: 'NOT_OPEN', reason: 'ENDED' }],
    [['SOLD_OUT', 0], { outcome: 'SOLD_OUT' }],
    [['INSUFFICIENT_STOCK', 2], { outcome: 'INSUFFICIENT_STOCK', remainingStock: 2 }],
    [['LIMIT_REACHED', 1, 1], { outcome: 'LIMIT_REACHED', bought: 1, limit: 1 }],
  ])('reads %j', (reply, result) => {
    expect(parseAdmissionReply(reply)).toEqual(result);
  });

  it.each([null, 'OK', [], ['TELEPORTED']])('refuses the unexpected reply %j', (reply) => {
    expect(() => parseAdmissionReply(reply)).toThrow(/unexpected admission/);
  });
});

describe('saleKeys', () => {
  it('puts every key of a sale in one cluster slot ({sale:<id>})', () => {
    const keys = saleKeys('s-1');
    const all = [keys.meta, keys.stock, keys.buyers, keys.orders, keys.outbox];
    all.push(keys.idempotency('u-1', 'k-1'), keys.userOrders('u-1'));
    for (const key of all) expect(key.startsWith('{sale:s-1}:')).toBe(true);
    expect(orderIndexKey('o-1')).toBe('order:o-1');
  });

  it('keeps user ids and idempotency keys apart even when both contain ":"', () => {
    const keys = saleKeys('s-1');
    expect(keys.idempotency('a', 'b:c')).not.toBe(keys.idempotency('a:b', 'c'));
  });
});
