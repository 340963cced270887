import { Injectable } from '@nestjs/common';
import { type EnvelopeOf, OrderCancelledV1, PaymentRefundedV1 } from '@seckill/contracts';
import type { HandlerScope, IntegrationEventHandler } from '@seckill/kafka';
import { ServiceLogger } from '@seckill/observability';
import { lockOrder, type PaymentTransaction } from '../database';
import { SimulatedPaymentProvider } from './simulated-payment-provider';

/**
 * `order.cancelled` → remember the cancellation, and refund the order's payment if it was
 * captured (the provider's refund, idempotent by key; then CAPTURED → REFUNDED once,
 * `payment.refunded`). A payment still PENDING is left to the capturer, which sees the
 * cancellation when it records the result (under the same lock) and refunds at once. So a
 * cancelled order never keeps a payment, whichever comes first.
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

    const captured = await tx.payment.findFirst({ where: { orderId, status: 'CAPTURED' } });
    if (!captured) {
      this.logger.debug({ eventId: event.eventId, orderId, reason }, 'cancellation recorded');
      return;
    }
    // Rare (a cancellation after the capture), so the provider call may stay in the transaction:
    // if the transaction fails, the redelivery asks again and the provider answers the same.
    await this.provider.refund(orderId);
    const refundReason = `order cancelled: ${reason}`;
    await tx.payment.update({
      where: { orderId },
      data: { status: 'REFUNDED', reason: refundReason, refundedAt: new Date() },
    });
    outbox.add(PaymentRefundedV1, {
      orderId,
      saleId: captured.saleId,
      userId: captured.userId,
      quantity: captured.quantity,
      paymentId: captured.paymentId,
      amountCents: captured.amountCents,
      reason: refundReason,
    });
    this.logger.info(
      { eventId: event.eventId, orderId, paymentId: captured.paymentId, reason },
      'payment of a cancelled order refunded',
    );
  }
}
