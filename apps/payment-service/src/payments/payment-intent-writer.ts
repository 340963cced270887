import { Injectable } from '@nestjs/common';
import type { ChunkWriter } from '@seckill/kafka';
import { ServiceLogger } from '@seckill/observability';
import { lockOrders, type PaymentTransaction } from '../database';

/** What `inventory.reserved` asks for: a payment intent for the order. */
export interface IntentRequest {
  readonly eventId: string;
  readonly orderId: string;
  readonly saleId: string;
  readonly userId: string;
  readonly quantity: number;
  readonly amountCents: number;
  /** The handler's trace context (`currentTraceparent()`), for the capture to continue. */
  readonly traceContext?: string | null;
}

/** What became of a request: a new intent, a void (the order was cancelled first), or nothing. */
export type IntentOutcome = 'PENDING' | 'VOIDED' | 'EXISTED';

/**
 * Records the payment intents the handlers of one consumer transaction staged, in two statements
 * whatever their number (a statement per event cost about 1 ms of CPU in the service and as much
 * again in PostgreSQL): the orders' locks (`lockOrders`), then one insert that checks each order
 * against the cancellations. Per order:
 * - cancelled already: a VOIDED row, never charged (inventory-service releases the stock on the
 *   cancellation itself);
 * - otherwise a PENDING row, idempotency key = order id (unique): the `PaymentCapturer` charges
 *   it after the commit;
 * - a payment exists (a redelivery, a second reservation of the order): nothing changes.
 * Every handler of the group shares this instance, so a chunk's rows reach one `write`.
 */
@Injectable()
export class PaymentIntentWriter implements ChunkWriter<IntentRequest, PaymentTransaction> {
  private readonly logger: ServiceLogger;

  constructor(logger: ServiceLogger) {
    this.logger = logger.child({ component: 'payment-intent-writer' });
  }

  async write(tx: PaymentTransaction, rows: readonly IntentRequest[]): Promise<void> {
    const outcomes = await this.record(tx, rows);
    rows.forEach((row, n) => {
      const fields = { eventId: row.eventId, orderId: row.orderId };
      if (outcomes[n] === 'PENDING') {
        this.logger.debug({ ...fields, amountCents: row.amountCents }, 'payment intent recorded');
      } else if (outcomes[n] === 'VOIDED') {
        this.logger.info(fields, 'order already cancelled: not charged');
      } else this.logger.info(fields, 'order already has a payment');
    });
  }

  /** Inserts the intents; resolves with what became of each request, by position. */
  async record(tx: PaymentTransaction, rows: readonly IntentRequest[]): Promise<IntentOutcome[]> {
    if (rows.length === 0) return [];
    const column = <T>(pick: (row: IntentRequest) => T) => rows.map(pick);
    await lockOrders(
      tx,
      column((r) => r.orderId),
    );
    // A later request for an order of the same insert is skipped like one already in the table
    // (ON CONFLICT DO NOTHING, not a failed statement that would abort the runner's transaction).
    const inserted = await tx.$queryRaw<{ order_id: string; status: 'PENDING' | 'VOIDED' }[]>`
      INSERT INTO payments
        (payment_id, order_id, sale_id, user_id, quantity, amount_cents, status, reason,
         trace_context)
      SELECT gen_random_uuid(), r.order_id, r.sale_id, r.user_id, r.quantity, r.amount_cents,
             CASE WHEN c.reason IS NULL THEN 'PENDING' ELSE 'VOIDED' END::payment_status,
             'order cancelled before payment: ' || c.reason, r.trace_context
      FROM unnest(
        ${column((r) => r.orderId)}::text[],
        ${column((r) => r.saleId)}::text[],
        ${column((r) => r.userId)}::text[],
        ${column((r) => r.quantity)}::int[],
        ${column((r) => r.amountCents)}::int[],
        ${column((r) => r.traceContext ?? null)}::text[]
      ) WITH ORDINALITY AS r(order_id, sale_id, user_id, quantity, amount_cents, trace_context, n)
      LEFT JOIN cancelled_orders c ON c.order_id = r.order_id
      ORDER BY r.n
      ON CONFLICT DO NOTHING
      RETURNING order_id, status::text AS status`;
    const created = new Map(inserted.map((row) => [row.order_id, row.status]));
    // The first request of an order gets its outcome; a later one of the same call existed.
    return rows.map((row) => {
      const status = created.get(row.orderId);
      created.delete(row.orderId);
      return status ?? 'EXISTED';
    });
  }
}
