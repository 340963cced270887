import { Injectable } from '@nestjs/common';
import {
  type EnvelopeOf,
  type EventDefinition,
  InventoryRejectedV1,
  OrderCancelledV1,
  OrderCreatedV1,
  PaymentFailedV1,
  PaymentSucceededV1,
  ShipmentCreatedV1,
} from '@seckill/contracts';
import type { HandlerScope, IntegrationEventHandler } from '@seckill/kafka';
import { ServiceLogger } from '@seckill/observability';
import type { NotificationTransaction } from '../database';
import type { NotificationKind } from '../generated/prisma/client';
import { NotificationWriter } from './notification-writer';

/** Every lifecycle event carries the order it is about. */
interface OrderRef {
  readonly orderId: string;
  readonly saleId: string;
  readonly userId: string;
  readonly quantity: number;
}

/**
 * One lifecycle event → one notification of `kind` for the event's order and user, staged for
 * the NotificationWriter (shared by every handler), which writes the transaction's rows in one
 * statement after the last handler. The runner has recorded the event in the inbox in the same
 * transaction (a redelivery never gets here); the unique (order, kind) also absorbs the same
 * fact arriving under another event id.
 */
@Injectable()
abstract class NotifyingHandler<
  D extends EventDefinition<string, OrderRef>,
> implements IntegrationEventHandler<D, NotificationTransaction> {
  abstract readonly event: D;
  protected abstract readonly kind: NotificationKind;
  private readonly logger: ServiceLogger;

  constructor(
    logger: ServiceLogger,
    private readonly writer: NotificationWriter,
  ) {
    this.logger = logger.child({ handler: new.target.name });
  }

  /** The text the user reads. */
  protected abstract message(payload: EnvelopeOf<D>['payload']): string;

  async handle(event: EnvelopeOf<D>, scope: HandlerScope<NotificationTransaction>): Promise<void> {
    const { orderId, userId, saleId } = event.payload;
    scope.stage(this.writer, {
      orderId,
      userId,
      saleId,
      kind: this.kind,
      message: this.message(event.payload),
      eventId: event.eventId,
    });
    // Whether it is new is known once the writer ran; it logs that.
    this.logger.debug({ orderId, kind: this.kind, eventId: event.eventId }, 'notification staged');
  }
}

const items = (quantity: number) => (quantity === 1 ? '1 item' : `${quantity} items`);

/** Minor units as a decimal amount; the shop has one currency, so no symbol. */
const amount = (cents: number) =>
  `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

@Injectable()
export class OrderCreatedIntegrationEventHandler extends NotifyingHandler<typeof OrderCreatedV1> {
  readonly event = OrderCreatedV1;
  protected readonly kind = 'ACCEPTED';

  protected message(p: EnvelopeOf<typeof OrderCreatedV1>['payload']): string {
    return `Your order ${p.orderId} for ${items(p.quantity)} was accepted; we are confirming stock and payment.`;
  }
}

@Injectable()
export class InventoryRejectedIntegrationEventHandler extends NotifyingHandler<
  typeof InventoryRejectedV1
> {
  readonly event = InventoryRejectedV1;
  protected readonly kind = 'REJECTED';

  protected message(p: EnvelopeOf<typeof InventoryRejectedV1>['payload']): string {
    const why = p.reason === 'OUT_OF_STOCK' ? 'the sale ran out of stock' : 'the sale is unknown';
    return `Sorry, your order ${p.orderId} could not be filled: ${why}. You have not been charged.`;
  }
}

@Injectable()
export class PaymentSucceededIntegrationEventHandler extends NotifyingHandler<
  typeof PaymentSucceededV1
> {
  readonly event = PaymentSucceededV1;
  protected readonly kind = 'PAID';

  protected message(p: EnvelopeOf<typeof PaymentSucceededV1>['payload']): string {
    return `Payment of ${amount(p.amountCents)} for your order ${p.orderId} was received.`;
  }
}

@Injectable()
export class PaymentFailedIntegrationEventHandler extends NotifyingHandler<typeof PaymentFailedV1> {
  readonly event = PaymentFailedV1;
  protected readonly kind = 'FAILED';

  protected message(p: EnvelopeOf<typeof PaymentFailedV1>['payload']): string {
    return `Payment for your order ${p.orderId} failed (${p.reason}); the order will not be completed.`;
  }
}

@Injectable()
export class ShipmentCreatedIntegrationEventHandler extends NotifyingHandler<
  typeof ShipmentCreatedV1
> {
  readonly event = ShipmentCreatedV1;
  protected readonly kind = 'SHIPPED';

  protected message(p: EnvelopeOf<typeof ShipmentCreatedV1>['payload']): string {
    return `Your order ${p.orderId} has shipped; tracking number ${p.trackingNumber}.`;
  }
}

@Injectable()
export class OrderCancelledIntegrationEventHandler extends NotifyingHandler<
  typeof OrderCancelledV1
> {
  readonly event = OrderCancelledV1;
  protected readonly kind = 'CANCELLED';

  protected message(p: EnvelopeOf<typeof OrderCancelledV1>['payload']): string {
    const why =
      p.reason === 'PAYMENT_DEADLINE_EXPIRED' ? 'it was not paid in time' : 'you cancelled it';
    return `Your order ${p.orderId} was cancelled: ${why}.`;
  }
}

/** The consumer group's handlers, one per lifecycle event a user hears about. */
export const NOTIFICATION_HANDLERS = [
  OrderCreatedIntegrationEventHandler,
  InventoryRejectedIntegrationEventHandler,
  PaymentSucceededIntegrationEventHandler,
  PaymentFailedIntegrationEventHandler,
  ShipmentCreatedIntegrationEventHandler,
  OrderCancelledIntegrationEventHandler,
] as const;
