import {
  classify,
  isTimeout,
  needsRetryAfter,
  orderIdOf,
  outcomesOf,
  problemCodeOf,
} from './outcomes';

describe('classify', () => {
  it.each([
    [0, null, 'transport'],
    [202, null, 'accepted'],
    [200, null, 'ok'],
    [201, null, 'accepted'], // a sale of the synchronous baseline: bought and shipped
    [204, null, 'ok'],
    [409, 'SOLD_OUT', 'soldOut'],
    [409, 'LIMIT_REACHED', 'limitReached'],
    [409, 'INSUFFICIENT_STOCK', 'other4xx'],
    [429, 'RATE_LIMITED', 'rateLimited'],
    [429, null, 'other4xx'],
    [503, 'OVERLOADED', 'overloaded'],
    [503, 'OUTCOME_UNKNOWN', 'outcomeUnknown'],
    [503, 'UPSTREAM_UNAVAILABLE', 'other5xx'],
    [500, null, 'other5xx'],
    [401, 'UNAUTHORIZED', 'other4xx'],
  ] as const)('%d %s → %s', (status, code, outcome) => {
    expect(classify(status, code)).toBe(outcome);
  });
});

describe('bodies and groups', () => {
  it('reads the problem code and the order id, and nothing from what is not JSON', () => {
    expect(problemCodeOf('{"code":"SOLD_OUT","status":409}')).toBe('SOLD_OUT');
    expect(problemCodeOf('{"code":3}')).toBeNull();
    expect(problemCodeOf('Bad Gateway')).toBeNull();
    expect(problemCodeOf('{broken')).toBeNull();
    expect(problemCodeOf('{"status":409}')).toBeNull();
    expect(problemCodeOf('')).toBeNull();
    expect(orderIdOf('{"orderId":"o-1","status":"PENDING"}')).toBe('o-1');
    expect(orderIdOf('{"orderId":""}')).toBeNull();
  });

  it('knows which answers must carry Retry-After', () => {
    expect(needsRetryAfter('rateLimited')).toBe(true);
    expect(needsRetryAfter('overloaded')).toBe(true);
    expect(needsRetryAfter('outcomeUnknown')).toBe(true);
    expect(needsRetryAfter('soldOut')).toBe(false);
  });

  it('expands groups, and keeps a single outcome', () => {
    expect(outcomesOf('shed')).toEqual(['rateLimited', 'overloaded']);
    expect(outcomesOf('errors')).toEqual(['outcomeUnknown', 'other5xx', 'transport']);
    expect(outcomesOf('soldOut')).toEqual(['soldOut']);
  });

  it('tells a timeout from a refused connection', () => {
    expect(isTimeout('Post "http://x": context deadline exceeded (Client.Timeout exceeded)')).toBe(
      true,
    );
    expect(isTimeout('dial tcp 127.0.0.1:3000: connect: connection refused')).toBe(false);
  });
});
