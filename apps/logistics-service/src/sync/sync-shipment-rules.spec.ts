import type { SyncShipRequest } from '@seckill/contracts';
import { answerForExisting, type KnownShipment, ORDER_SETTLED } from './sync-shipment-rules';

const request: SyncShipRequest = { orderId: 'o-1', saleId: 's-1', userId: 'u-1', quantity: 2 };

const shipment = (fields: Partial<KnownShipment>): KnownShipment => ({
  saleId: 's-1',
  userId: 'u-1',
  quantity: 2,
  trackingNumber: 'SK0123456789ABCDEF',
  status: 'CREATED',
  ...fields,
});

describe('answerForExisting', () => {
  it('answers a repeated order with its first shipment', () => {
    expect(answerForExisting(request, shipment({}))).toEqual({
      kind: 'shipped',
      trackingNumber: 'SK0123456789ABCDEF',
    });
  });

  it('ships nothing for an order whose shipment was cancelled (a recall or a tombstone)', () => {
    const tombstone = shipment({ status: 'CANCELLED', trackingNumber: null });
    expect(answerForExisting(request, tombstone)).toEqual({
      kind: 'refused',
      status: 409,
      code: ORDER_SETTLED,
      detail: 'The shipment of order o-1 is CANCELLED.',
    });
    expect(answerForExisting(request, shipment({ status: 'CANCELLED' }))).toMatchObject({
      status: 409,
      code: ORDER_SETTLED,
    });
  });

  it('refuses the order id with another sale, buyer or quantity', () => {
    for (const other of [{ saleId: 's-2' }, { userId: 'u-2' }, { quantity: 1 }]) {
      expect(answerForExisting(request, shipment(other))).toMatchObject({
        status: 409,
        code: 'IDEMPOTENCY_KEY_REUSED',
      });
    }
  });
});
