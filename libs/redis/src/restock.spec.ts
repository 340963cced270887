import { parseRestockReply, restockedKey } from './restock';

describe('the restock script reply', () => {
  it('reads every outcome', () => {
    expect(parseRestockReply(['RESTOCKED', 7])).toEqual({ outcome: 'RESTOCKED', stock: 7 });
    expect(parseRestockReply(['ALREADY', 3])).toEqual({ outcome: 'ALREADY', stock: 3 });
    expect(parseRestockReply(['NO_SALE', 0])).toEqual({ outcome: 'NO_SALE' });
  });

  it('refuses anything else', () => {
    expect(() => parseRestockReply(['MAYBE'])).toThrow('unexpected restock outcome');
    expect(() => parseRestockReply('OK')).toThrow('unexpected restock reply');
  });

  it('keeps the marker in the sale hash slot', () => {
    expect(restockedKey('s-1')).toBe('{sale:s-1}:restocked');
  });
});
