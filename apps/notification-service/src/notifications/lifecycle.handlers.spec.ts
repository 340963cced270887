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
import type { NewNotification } from './notification';
import { NotificationWriter } from './notification-writer';

const logger = ServiceLogger.create('notification-spec', 'fatal');
const ref = { orderId: 'o-1', saleId: 's-1', userId: 'u-1', quantity: 2 };

const writer = new NotificationWriter(logger);

/** A scope that keeps what the handler stages, and for which writer. */
function stagingScope() {
  const staged: Array<{ writer: unknown; row: NewNotification }> = [];
  const scope = {
    tx: {} as NotificationTransaction,
    stage: (to: unknown, row: NewNotification) => staged.push({ writer: to, row }),
  } as unknown as HandlerScope<NotificationTransaction>;
  return { staged, scope };
}

describe('the lifecycle handlers', () => {
  it('are built by Nest with their logger, one per event', async () => {
    const module = await Test.createTestingModule({
      providers: [
        { provide: ServiceLogger, useValue: logger },
        NotificationWriter,
        ...NOTIFICATION_HANDLERS,
      ],
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
      new OrderCreatedIntegrationEventHandler(logger, writer),
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
      new InventoryRejectedIntegrationEventHandler(logger, writer),
      createEvent(InventoryRejectedV1, { ...ref, reason: 'OUT_OF_STOCK' }),
      'REJECTED',
      /ran out of stock/,
    ],
    [
      new PaymentSucceededIntegrationEventHandler(logger, writer),
      createEvent(PaymentSucceededV1, { ...ref, paymentId: 'p', amountCents: 123405 }),
      'PAID',
      /Payment of 1234\.05/,
    ],
    [
      new PaymentFailedIntegrationEventHandler(logger, writer),
      createEvent(PaymentFailedV1, { ...ref, reason: 'card declined' }),
      'FAILED',
      /failed \(card declined\)/,
    ],
    [
      new ShipmentCreatedIntegrationEventHandler(logger, writer),
      createEvent(ShipmentCreatedV1, { ...ref, shipmentId: 'sh', trackingNumber: 'TRK-9' }),
      'SHIPPED',
      /tracking number TRK-9/,
    ],
    [
      new OrderCancelledIntegrationEventHandler(logger, writer),
      createEvent(OrderCancelledV1, { ...ref, reason: 'PAYMENT_DEADLINE_EXPIRED' }),
      'CANCELLED',
      /not paid in time/,
    ],
  ])('%#: stages the notification for the shared writer', async (handler, event, kind, message) => {
    const { staged, scope } = stagingScope();
    await handler.handle(event as never, scope);
    expect(staged).toEqual([
      {
        writer,
        row: {
          orderId: 'o-1',
          userId: 'u-1',
          saleId: 's-1',
          kind,
          message: expect.stringMatching(message),
          eventId: event.eventId,
        },
      },
    ]);
  });
});
