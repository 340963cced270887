import { isShipmentStatus, ShipmentStatus, tombstoneFor } from './shipment-status';

describe('ShipmentStatus', () => {
  it('knows CREATED and CANCELLED and nothing else', () => {
    expect(isShipmentStatus('CREATED')).toBe(true);
    expect(isShipmentStatus('CANCELLED')).toBe(true);
    expect(isShipmentStatus('cancelled')).toBe(false);
    expect(isShipmentStatus('SHIPPED')).toBe(false);
  });
});

describe('tombstoneFor', () => {
  it('is a CANCELLED row of the refunded order and payment, without a tracking number', () => {
    const at = new Date('2026-11-25T12:00:00.000Z');
    expect(
      tombstoneFor(
        {
          orderId: 'order-1',
          saleId: 'sale-1',
          userId: 'user-1',
          quantity: 3,
          paymentId: 'payment-1',
          amountCents: 5997,
          reason: 'order cancelled: payment deadline',
        },
        '0f8e2a4c-1b3d-4e5f-8a9b-0c1d2e3f4a5b',
        at,
      ),
    ).toEqual({
      shipmentId: '0f8e2a4c-1b3d-4e5f-8a9b-0c1d2e3f4a5b',
      orderId: 'order-1',
      saleId: 'sale-1',
      userId: 'user-1',
      quantity: 3,
      paymentId: 'payment-1',
      trackingNumber: null,
      status: ShipmentStatus.Cancelled,
      cancelledAt: at,
    });
  });
});
