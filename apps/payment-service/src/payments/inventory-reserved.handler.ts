import { Injectable } from '@nestjs/common';
import {
  type EnvelopeOf,
  InventoryReservedV1,
  PaymentFailedV1,
  PaymentSucceededV1,
} from '@seckill/contracts';
import type { HandlerScope, IntegrationEventHandler } from '@seckill/kafka';
import { ServiceLogger } from '@seckill/observability';
import { lockOrder, type PaymentTransaction } from '../database';
import { CaptureRetryPolicy, captureWithRetries } from './capture-with-retries';
import { type CaptureRequest, SimulatedPaymentProvider } from './simulated-payment-provider';

type InventoryReserved = EnvelopeOf<typeof InventoryReservedV1>;

/**
 * `inventory.reserved` → charge the order, at most once.
 *
 * Under the order's lock (see `lockOrder`): an order already cancelled is never charged (a
 * VOIDED row, no event: inventory-service releases the stock on the cancellation itself).
 * Otherwise the provider captures, idempotently by order id; timeouts are retried here a few
 * times with jittered backoff, then handed to the runner's retries. A decline is final:
 * `payment.failed` with the reason (inventory-service releases the stock). A capture:
 * `payment.succeeded`.
 */
@Injectable()
export class InventoryReservedIntegrationEventHandler implements IntegrationEventHandler<
  typeof InventoryReservedV1,
  PaymentTransaction
> {
  readonly event = InventoryReservedV1;
  private readonly logger: ServiceLogger;

  constructor(
    logger: ServiceLogger,
    private readonly provider: SimulatedPaymentProvider,
    private readonly policy: CaptureRetryPolicy,
  ) {
    this.logger = logger.child({ handler: 'InventoryReservedIntegrationEventHandler' });
  }

  async handle(
    event: InventoryReserved,
    { tx, outbox }: HandlerScope<PaymentTransaction>,
  ): Promise<void> {
    const { orderId, saleId, userId, quantity, amountCents } = event.payload;
    const request: CaptureRequest = { orderId, saleId, userId, quantity, amountCents };
    const ref = { orderId, saleId, userId, quantity };
    await lockOrder(tx, orderId);

    const cancelled = await tx.cancelledOrder.findUnique({ where: { orderId } });
    if (cancelled) {
      await this.provider.void(tx, request, `order cancelled before payment: ${cancelled.reason}`);
      this.logger.info(
        { eventId: event.eventId, orderId, reason: cancelled.reason },
        'order already cancelled: not charged',
      );
      return;
    }

    const { payment, replayed } = await captureWithRetries(
      (attempt) => this.provider.capture(tx, request, attempt),
      this.policy,
      {
        onRetry: (attempt, delayMs, error) =>
          this.logger.warn(
            { eventId: event.eventId, orderId, attempt, delayMs, err: error },
            'payment provider timed out; retrying the same capture',
          ),
      },
    );
    if (replayed) {
      // The order was settled by an earlier event (another delivery path): its events went out then.
      this.logger.info(
        { eventId: event.eventId, orderId, status: payment.status },
        'order already has a payment; nothing charged',
      );
      return;
    }
    if (payment.status === 'CAPTURED') {
      outbox.add(PaymentSucceededV1, {
        ...ref,
        paymentId: payment.paymentId,
        amountCents: payment.amountCents,
      });
      this.logger.debug({ eventId: event.eventId, orderId, amountCents }, 'payment captured');
    } else {
      const reason = payment.reason ?? 'declined';
      outbox.add(PaymentFailedV1, { ...ref, reason });
      this.logger.info({ eventId: event.eventId, orderId, reason }, 'payment declined');
    }
  }
}
