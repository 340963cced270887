import { Test } from '@nestjs/testing';
import {
  createEvent,
  InventoryRejectedV1,
  OrderCancelledV1,
  OrderCreatedV1,
  PaymentFailedV1,
  PaymentSucceededV1,
  ShipmentCreatedV1,
} from '@seckill/contracts';
import type { HandlerScope } from '@seckill/kafka';
import { ServiceLogger } from '@seckill/observability';
import type { NotificationTransaction } from '../database';
import {
  InventoryRejectedIntegrationEventHandler,
  NOTIFICATION_HANDLERS,
  OrderCancelledIntegrationEventHandler,
  OrderCreatedIntegrationEventHandler,
  PaymentFailedIntegrationEventHandler,
  PaymentSucceededIntegrationEventHandler,
  ShipmentCreatedIntegrationEventHandler,
} from './lifecycle.handlers';
import { FEED_CHANNEL } from './notification';

const logger = ServiceLogger.create('notification-spec', 'fatal');
const ref = { orderId: 'o-1', saleId: 's-1', userId: 'u-1', quantity: 2 };

/** A transaction double that records what the handler wrote. */
function scope(duplicate = false) {
  const inserted: unknown[] = [];
  const notified: unknown[][] = [];
  const tx = {
    notification: {
      createManyAndReturn: async ({ data }: { data: Record<string, unknown>[] }) => {
        inserted.push(...data);
        return duplicate
          ? []
          : data.map((row) => ({ ...row, id: 7n, createdAt: new Date('2026-11-25T10:00:00Z') }));
      },
    },
    $executeRaw: async (_sql: TemplateStringsArray, ...values: unknown[]) => {
      notified.push(values);
      return 1;
    },
  };
  return {
    inserted,
    notified,
    scope: {
      tx: tx as unknown as NotificationTransaction,
    } as HandlerScope<NotificationTransaction>,
  };
}

describe('the lifecycle handlers', () => {
  it('are built by Nest with their logger, one per event', async () => {
    const module = await Test.createTestingModule({
      providers: [{ provide: ServiceLogger, useValue: logger }, ...NOTIFICATION_HANDLERS],
    }).compile();
    const events = NOTIFICATION_HANDLERS.map((type) => module.get(type).event.type);
    expect(events).toEqual([
      'order.created',
      'inventory.rejected',
      'payment.succeeded',
      'payment.failed',
      'shipment.created',
      'order.cancelled',
    ]);
  });

  it.each([
    [
      new OrderCreatedIntegrationEventHandler(logger),
      createEvent(OrderCreatedV1, {
        ...ref,
        idempotencyKey: 'k',
        priceCents: 1,
        acceptedAt: new Date().toISOString(),
      }),
      'ACCEPTED',
      /2 items was accepted/,
    ],
    [
      new InventoryRejectedIntegrationEventHandler(logger),
      createEvent(InventoryRejectedV1, { ...ref, reason: 'OUT_OF_STOCK' }),
      'REJECTED',
      /ran out of stock/,
    ],
    [
      new PaymentSucceededIntegrationEventHandler(logger),
      createEvent(PaymentSucceededV1, { ...ref, paymentId: 'p', amountCents: 123405 }),
      'PAID',
      /Payment of 1234\.05/,
    ],
    [
      new PaymentFailedIntegrationEventHandler(logger),
      createEvent(PaymentFailedV1, { ...ref, reason: 'card declined' }),
      'FAILED',
      /failed \(card declined\)/,
    ],
    [
      new ShipmentCreatedIntegrationEventHandler(logger),
      createEvent(ShipmentCreatedV1, { ...ref, shipmentId: 'sh', trackingNumber: 'TRK-9' }),
      'SHIPPED',
      /tracking number TRK-9/,
    ],
    [
      new OrderCancelledIntegrationEventHandler(logger),
      createEvent(OrderCancelledV1, { ...ref, reason: 'PAYMENT_DEADLINE_EXPIRED' }),
      'CANCELLED',
      /not paid in time/,
    ],
  ])('%#: records the notification and tells the feed', async (handler, event, kind, message) => {
    const { inserted, notified, scope: s } = scope();
    await handler.handle(event as never, s);
    expect(inserted).toEqual([
      {
        orderId: 'o-1',
        userId: 'u-1',
        saleId: 's-1',
        kind,
        message: expect.stringMatching(message),
        eventId: event.eventId,
      },
    ]);
    expect(notified).toHaveLength(1);
    expect(notified[0]?.[0]).toBe(FEED_CHANNEL);
    expect(JSON.parse(String(notified[0]?.[1]))).toMatchObject({
      userId: 'u-1',
      item: { id: '7', orderId: 'o-1', kind, createdAt: '2026-11-25T10:00:00.000Z' },
    });
  });

  it('tells the feed nothing when the order already has that notification', async () => {
    const { notified, scope: s } = scope(true);
    await new ShipmentCreatedIntegrationEventHandler(logger).handle(
      createEvent(ShipmentCreatedV1, { ...ref, shipmentId: 'sh', trackingNumber: 'T' }),
      s,
    );
    expect(notified).toEqual([]);
  });
});
