import { Injectable } from '@nestjs/common';
import { type EnvelopeOf, OrderCancelledV1, PaymentRefundedV1 } from '@seckill/contracts';
import type { HandlerScope, IntegrationEventHandler } from '@seckill/kafka';
import { ServiceLogger } from '@seckill/observability';
import { lockOrder, type PaymentTransaction } from '../database';
import { SimulatedPaymentProvider } from './simulated-payment-provider';

/**
 * `order.cancelled` → remember the cancellation, and refund the order's payment if it was
 * captured (CAPTURED → REFUNDED once, `payment.refunded`). Together with the check in
 * `InventoryReservedIntegrationEventHandler`, under the same per-order lock, a cancelled order
 * never keeps a payment, whichever of the two events arrives first.
 */
@Injectable()
export class OrderCancelledIntegrationEventHandler implements IntegrationEventHandler<
  typeof OrderCancelledV1,
  PaymentTransaction
> {
  readonly event = OrderCancelledV1;
  private readonly logger: ServiceLogger;

  constructor(
    logger: ServiceLogger,
    private readonly provider: SimulatedPaymentProvider,
  ) {
    this.logger = logger.child({ handler: 'OrderCancelledIntegrationEventHandler' });
  }

  async handle(
    event: EnvelopeOf<typeof OrderCancelledV1>,
    { tx, outbox }: HandlerScope<PaymentTransaction>,
  ): Promise<void> {
    const { orderId, reason } = event.payload;
    await lockOrder(tx, orderId);
    await tx.cancelledOrder.createMany({ data: [{ orderId, reason }], skipDuplicates: true });

    const refunded = await this.provider.refund(tx, orderId, `order cancelled: ${reason}`);
    if (!refunded) {
      this.logger.debug({ eventId: event.eventId, orderId, reason }, 'cancellation recorded');
      return;
    }
    outbox.add(PaymentRefundedV1, {
      orderId,
      saleId: refunded.saleId,
      userId: refunded.userId,
      quantity: refunded.quantity,
      paymentId: refunded.paymentId,
      amountCents: refunded.amountCents,
      reason: `order cancelled: ${reason}`,
    });
    this.logger.info(
      { eventId: event.eventId, orderId, paymentId: refunded.paymentId, reason },
      'payment of a cancelled order refunded',
    );
  }
}
