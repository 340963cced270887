import type { Sale } from '../generated/prisma/client';
import { saleStatus, toSaleResponse } from './sale-view';

const sale: Sale = {
  id: '3f1c2d9e-8a4b-4c61-9f0e-2b7d5a6c8e10',
  name: 'Phone',
  priceCents: 1999,
  stock: 10,
  perUserLimit: 2,
  startsAt: new Date('2026-11-25T12:00:00.000Z'),
  endsAt: new Date('2026-11-25T13:00:00.000Z'),
  createdAt: new Date('2026-11-25T11:00:00.000Z'),
  createdBy: 'admin-1',
  idempotencyKey: null,
  flow: 'events',
};
const at = (iso: string) => Date.parse(iso);

describe('saleStatus', () => {
  it.each([
    ['before the window', '2026-11-25T11:59:59.999Z', 10, 'SCHEDULED'],
    ['at the opening instant', '2026-11-25T12:00:00.000Z', 10, 'OPEN'],
    ['while stock is left', '2026-11-25T12:30:00.000Z', 1, 'OPEN'],
    ['once nothing is left', '2026-11-25T12:30:00.000Z', 0, 'SOLD_OUT'],
    ['at the closing instant', '2026-11-25T13:00:00.000Z', 3, 'ENDED'],
    ['after it ended sold out', '2026-11-25T14:00:00.000Z', 0, 'ENDED'],
  ])('is right %s', (_label, now, remaining, status) => {
    expect(saleStatus(sale, remaining, at(now))).toBe(status);
  });
});

describe('toSaleResponse', () => {
  it('speaks the HTTP contract: price in cents, ISO times, remaining stock', () => {
    expect(toSaleResponse(sale, 4, at('2026-11-25T12:10:00.000Z'))).toEqual({
      id: sale.id,
      name: 'Phone',
      price: 1999,
      stock: 10,
      remainingStock: 4,
      startsAt: '2026-11-25T12:00:00.000Z',
      endsAt: '2026-11-25T13:00:00.000Z',
      perUserLimit: 2,
      flow: 'events',
      status: 'OPEN',
    });
  });

  it('names a sale of the synchronous baseline as such', () => {
    expect(toSaleResponse({ ...sale, flow: 'sync' }, 4, Date.now()).flow).toBe('sync');
  });
});
