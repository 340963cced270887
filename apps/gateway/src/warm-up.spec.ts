import { sendWarmUp, warmUpCalls, type WarmUpCall } from './warm-up';

describe('warmUpCalls', () => {
  const saleIds = { soldOut: 'sold-out-sale', unknown: 'unknown-sale' };
  const calls = warmUpCalls(8, saleIds, (i) => `token-${i}`);

  it('rotates the sold-out door, a purchase of an unknown sale, a refused body, no token', () => {
    expect(calls.map((c) => c.expected)).toEqual([
      [409],
      [404, 429],
      [400],
      [401],
      [409],
      [404, 429],
      [400],
      [401],
    ]);
    expect(calls[1]).toMatchObject({
      path: '/api/sales/unknown-sale/orders',
      body: '{"quantity":1}',
      headers: { authorization: 'Bearer token-1', 'idempotency-key': 'warm-up-1' },
    });
  });

  it('never buys: only the door call names the sold-out sale, and it carries no token', () => {
    const byPath = calls.map((c) => [c.path, c.headers.authorization === undefined]);
    expect(new Set(byPath.map(([path]) => path))).toEqual(
      new Set(['/api/sales/sold-out-sale/orders', '/api/sales/unknown-sale/orders']),
    );
    expect(byPath.filter(([path]) => path === '/api/sales/sold-out-sale/orders')).toEqual([
      ['/api/sales/sold-out-sale/orders', true],
      ['/api/sales/sold-out-sale/orders', true],
    ]);
  });
});

describe('sendWarmUp', () => {
  const call = (expected: number): WarmUpCall => ({
    path: '/',
    headers: {},
    body: '',
    expected: [expected],
  });

  it('sends every call, at most `concurrency` at once, and counts the unexpected answers', async () => {
    let inFlight = 0;
    let most = 0;
    const statuses = [409, 400, 503, 401];
    let i = 0;
    const result = await sendWarmUp(
      async () => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await Promise.resolve();
        inFlight -= 1;
        return statuses[i++ % statuses.length];
      },
      [call(409), call(400), call(401), call(401)],
      2,
      () => 0,
    );
    expect(result).toEqual({ sent: 4, unexpected: 1, ms: 0 });
    expect(most).toBe(2);
  });

  it('counts a failed send as unexpected instead of throwing', async () => {
    const result = await sendWarmUp(() => Promise.reject(new Error('refused')), [call(409)], 4);
    expect(result.unexpected).toBe(1);
  });
});
