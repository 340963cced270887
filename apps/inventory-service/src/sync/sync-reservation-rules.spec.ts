import type { SyncReserveRequest } from '@seckill/contracts';
import { decideReservation, type KnownReservation, ORDER_SETTLED } from './sync-reservation-rules';

const request: SyncReserveRequest = {
  orderId: 'o-1',
  saleId: 's-1',
  userId: 'u-1',
  quantity: 2,
  perUserLimit: 3,
  idempotencyKey: 'k-1',
  priceCents: 1999,
};

const row = (fields: Partial<KnownReservation>): KnownReservation => ({
  orderId: 'o-other',
  reservationId: 'r-other',
  saleId: 's-1',
  userId: 'u-1',
  quantity: 1,
  status: 'RESERVED',
  idempotencyKey: 'k-other',
  reason: null,
  ...fields,
});

describe('decideReservation', () => {
  it('reserves when the sale has the units and the buyer is within the limit', () => {
    expect(decideReservation(request, { available: 2, rows: [row({ quantity: 1 })] })).toEqual({
      kind: 'reserve',
    });
  });

  it('refuses an unknown sale with 404 SALE_NOT_FOUND', () => {
    expect(decideReservation(request, { available: null, rows: [] })).toMatchObject({
      kind: 'refused',
      status: 404,
      code: 'SALE_NOT_FOUND',
    });
  });

  it('answers a repeated order with its first reservation, even once the sale is sold out', () => {
    const own = row({ orderId: 'o-1', reservationId: 'r-1', quantity: 2, idempotencyKey: 'k-1' });
    expect(decideReservation(request, { available: 0, rows: [own] })).toEqual({
      kind: 'replay',
      reservationId: 'r-1',
    });
  });

  it('refuses an order released or rejected before (a compensation that came first wins)', () => {
    const tombstone = row({
      orderId: 'o-1',
      saleId: '',
      userId: '',
      quantity: 0,
      status: 'RELEASED',
      reason: 'SYNC_COMPENSATION',
    });
    expect(decideReservation(request, { available: 5, rows: [tombstone] })).toEqual({
      kind: 'refused',
      status: 409,
      code: ORDER_SETTLED,
      detail: 'Order o-1 is already RELEASED (SYNC_COMPENSATION).',
    });
    const rejected = row({ orderId: 'o-1', status: 'REJECTED', reason: null });
    expect(decideReservation(request, { available: 5, rows: [rejected] })).toMatchObject({
      status: 409,
      detail: 'Order o-1 is already REJECTED.',
    });
  });

  it('refuses an order id reused for another request, and a key held by another order', () => {
    const own = row({ orderId: 'o-1', quantity: 1 });
    expect(decideReservation(request, { available: 5, rows: [own] })).toMatchObject({
      status: 409,
      code: 'IDEMPOTENCY_KEY_REUSED',
    });
    const holder = row({ orderId: 'o-2', status: 'RELEASED', idempotencyKey: 'k-1' });
    expect(decideReservation(request, { available: 5, rows: [holder] })).toMatchObject({
      status: 409,
      code: 'IDEMPOTENCY_KEY_REUSED',
      detail: 'Idempotency key k-1 already belongs to order o-2.',
    });
  });

  it('counts only the units the buyer holds (RESERVED) against the limit', () => {
    const held = [row({ quantity: 1 }), row({ quantity: 5, status: 'RELEASED' })];
    expect(decideReservation(request, { available: 9, rows: held }).kind).toBe('reserve');
    const more = [...held, row({ orderId: 'o-3', quantity: 1 })];
    expect(decideReservation(request, { available: 9, rows: more })).toMatchObject({
      status: 409,
      code: 'LIMIT_REACHED',
    });
  });

  it('refuses SOLD_OUT when nothing is left, INSUFFICIENT_STOCK when too little is', () => {
    expect(decideReservation(request, { available: 0, rows: [] })).toMatchObject({
      status: 409,
      code: 'SOLD_OUT',
    });
    expect(decideReservation(request, { available: 1, rows: [] })).toMatchObject({
      status: 409,
      code: 'INSUFFICIENT_STOCK',
    });
  });
});
