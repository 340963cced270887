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

/**
 * A transaction double for recordNotification's one statement: it keeps the statement's values
 * (the row, then the feed channel and message) and answers with the id the database would
 * assign, or nothing for a duplicate.
 */
function scope(duplicate = false) {
  const statements: unknown[][] = [];
  const tx = {
    $queryRaw: async (_sql: TemplateStringsArray, ...values: unknown[]) => {
      statements.push(values);
      return duplicate ? [] : [{ id: 7n }];
    },
  };
  const row = (values: unknown[]) => {
    const [orderId, kind, userId, saleId, message, eventId, createdAt, channel, feed] = values;
    return { orderId, kind, userId, saleId, message, eventId, createdAt, channel, feed };
  };
  return {
    statements,
    row,
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
    const { statements, row, scope: s } = scope();
    await handler.handle(event as never, s);
    expect(statements).toHaveLength(1);
    const written = row(statements[0] ?? []);
    expect(written).toMatchObject({
      orderId: 'o-1',
      userId: 'u-1',
      saleId: 's-1',
      kind,
      message: expect.stringMatching(message),
      eventId: event.eventId,
      channel: FEED_CHANNEL,
    });
    // The feed gets the row as the API shows it; the database fills in the id.
    const createdAt = (written.createdAt as Date).toISOString();
    expect(JSON.parse(String(written.feed))).toEqual({
      userId: 'u-1',
      item: {
        id: '0',
        orderId: 'o-1',
        saleId: 's-1',
        kind,
        message: written.message,
        createdAt,
      },
    });
  });
});
