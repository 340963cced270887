import { rejection } from './admission.service';

const order = { saleId: 'sale-1', quantity: 2 };

describe('rejection', () => {
  it.each([
    [{ outcome: 'NOT_FOUND' } as const, 404, 'SALE_NOT_FOUND', 'Sale sale-1 does not exist.'],
    [
      { outcome: 'NOT_OPEN', reason: 'NOT_STARTED' } as const,
      403,
      'SALE_NOT_OPEN',
      'The sale has not started yet.',
    ],
    [
      { outcome: 'NOT_OPEN', reason: 'ENDED' } as const,
      403,
      'SALE_NOT_OPEN',
      'The sale has ended.',
    ],
    [{ outcome: 'SOLD_OUT' } as const, 409, 'SOLD_OUT', 'The sale is sold out.'],
    [
      { outcome: 'DEADLINE_EXCEEDED' } as const,
      503,
      'DEADLINE_EXCEEDED',
      'The request waited past its deadline; nothing was admitted. Retry shortly.',
    ],
    [
      { outcome: 'INSUFFICIENT_STOCK', remainingStock: 1 } as const,
      409,
      'INSUFFICIENT_STOCK',
      'Only 1 left; 2 requested.',
    ],
    [
      { outcome: 'LIMIT_REACHED', bought: 1, limit: 2 } as const,
      409,
      'LIMIT_REACHED',
      'At most 2 per customer in this sale; you have 1.',
    ],
  ])('answers %j with %i %s', (result, status, code, detail) => {
    const { headers, ...problem } = rejection(order, result);
    expect(problem).toEqual({ status, code, detail });
    expect(headers).toEqual(status === 503 ? { 'retry-after': '1' } : undefined);
  });
});
