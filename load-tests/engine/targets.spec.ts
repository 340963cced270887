import { idempotencyKey, indexOfUrl, purchaseTarget, targetLine } from './targets';

describe('purchase targets (vegeta -format=json)', () => {
  it('is one JSON line: POST with the index in the fragment, headers as lists, base64 body', () => {
    const t = purchaseTarget('http://127.0.0.1:3000', 'sale-1', {
      index: 42,
      token: 'tok',
      idempotencyKey: 'run.42',
    });
    const line = targetLine(t);
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      method: 'POST',
      url: 'http://127.0.0.1:3000/api/sales/sale-1/orders#42',
      header: {
        Authorization: ['Bearer tok'],
        'Content-Type': ['application/json'],
        'Idempotency-Key': ['run.42'],
      },
      body: Buffer.from('{"quantity":1}').toString('base64'),
    });
  });

  it('escapes the sale id in the path', () => {
    const t = purchaseTarget('http://h', 'a/b', { index: 0, token: 't', idempotencyKey: 'k' });
    expect(t.url).toBe('http://h/api/sales/a%2Fb/orders#0');
  });

  it('reads the request index back from a result URL', () => {
    expect(indexOfUrl('http://h/api/sales/s/orders#1234')).toBe(1234);
    expect(indexOfUrl('http://h/api/sales/s/orders')).toBeNull();
    expect(indexOfUrl('http://h/x#abc')).toBeNull();
  });

  it('makes keys within the contract, and refuses ones that are not', () => {
    expect(idempotencyKey('Lmq1', 7)).toBe('Lmq1.7');
    expect(idempotencyKey('Lmq1', 'setup')).toBe('Lmq1.setup');
    expect(() => idempotencyKey('has space', 1)).toThrow(/Idempotency-Key/);
    expect(() => idempotencyKey('x'.repeat(100), 1)).toThrow(/Idempotency-Key/);
  });
});
