import { Injectable } from '@nestjs/common';
import { NonRetriableError } from '@seckill/kafka';
import type { OrderTransaction } from '../database';
import { isLifecycleStatus, type LifecycleFact, transition, type Transition } from './order-state';

/** The fields every lifecycle event carries (`orderRef` in libs/contracts). */
export interface OrderRef {
  readonly orderId: string;
  readonly saleId: string;
  readonly userId: string;
  readonly quantity: number;
}

/** One consumed event, as the read model needs it. */
export interface OrderEventInput {
  readonly eventId: string;
  readonly occurredAt: string;
  readonly fact: LifecycleFact;
  readonly order: OrderRef;
  /** order.created only. */
  readonly created?: {
    readonly acceptedAt: string;
    readonly priceCents: number;
    readonly idempotencyKey: string;
  };
  /** inventory.reserved, payment.succeeded. */
  readonly amountCents?: number;
  /**
   * Where the event was read (the runner's EventContext), for the two events whose next step
   * another group owes: order.created (inventory-service) and inventory.reserved
   * (payment-service). The deadline sweeper waits while that group has not read past it.
   */
  readonly readAt?: { readonly partition: number; readonly offset: string };
}

interface LockedOrder {
  readonly status: string;
  readonly sale_id: string;
  readonly user_id: string;
  readonly created_at: Date;
}

/**
 * Writes one event into the `orders` / `order_history` read model, in the consumer's
 * transaction, in two statements (it runs for five events of every order, in the process that
 * admits purchases, so it is raw SQL: each Prisma model call costs about 1 ms of CPU):
 *   1. the order row, created by whichever of its events arrives first (order.created may come
 *      last), and locked while the status moves (the no-op `DO UPDATE` takes the row lock, like
 *      `FOR UPDATE`), so the deadline sweeper and a consumer never both decide on the same order;
 *   2. the new status and fields, and the history row.
 */
@Injectable()
export class OrderReadModel {
  async apply(tx: OrderTransaction, input: OrderEventInput): Promise<Transition> {
    const { order, created } = input;
    const firstSeen = new Date(created?.acceptedAt ?? input.occurredAt);
    const [current] = await tx.$queryRaw<LockedOrder[]>`
      INSERT INTO orders (order_id, sale_id, user_id, quantity, status, created_at, updated_at)
      VALUES (${order.orderId}, ${order.saleId}, ${order.userId}, ${order.quantity}, 'PENDING',
              ${firstSeen}::timestamptz, now())
      ON CONFLICT (order_id) DO UPDATE SET updated_at = orders.updated_at
      RETURNING status, sale_id, user_id, created_at`;
    if (!current) throw new Error(`order ${order.orderId} vanished while it was being updated`);
    if (current.sale_id !== order.saleId || current.user_id !== order.userId) {
      // Two events disagree on whose order this is: nothing to retry, keep it for an operator.
      throw new NonRetriableError(
        `event ${input.eventId} names order ${order.orderId} for sale ${order.saleId} and user ` +
          `${order.userId}, but the order is sale ${current.sale_id}, user ${current.user_id}`,
        'ORDER_MISMATCH',
      );
    }
    if (!isLifecycleStatus(current.status)) {
      throw new NonRetriableError(
        `order ${order.orderId} has an unknown status ${current.status}`,
        'UNKNOWN_STATUS',
      );
    }

    const next = transition(current.status, input.fact);
    const status = next.moved ? next.status : null;
    const amountCents = input.amountCents ?? null;
    const priceCents = created?.priceCents ?? null;
    const key = created?.idempotencyKey ?? null;
    const acceptedAt = created ? new Date(created.acceptedAt) : null;
    const createdReadAt = input.fact.type === 'order.created' ? input.readAt : undefined;
    const reservedReadAt = input.fact.type === 'inventory.reserved' ? input.readAt : undefined;
    // order.created adds price, key and acceptance time to an order another event created first.
    // Redis remembers a key for 24 h only; a key reused later names a new order, which must not
    // trip the unique index (the first order keeps the key).
    await tx.$executeRaw`
      WITH updated AS (
        UPDATE orders SET
          status = COALESCE(${status}::text, status),
          amount_cents = COALESCE(${amountCents}::int, amount_cents),
          price_cents = COALESCE(${priceCents}::int, price_cents),
          idempotency_key = CASE
            WHEN ${key}::text IS NULL THEN idempotency_key
            WHEN EXISTS (
              SELECT 1 FROM orders holder
              WHERE holder.sale_id = ${order.saleId} AND holder.user_id = ${order.userId}
                AND holder.idempotency_key = ${key}::text AND holder.order_id <> ${order.orderId})
            THEN idempotency_key
            ELSE ${key}::text END,
          created_at = LEAST(created_at, COALESCE(${acceptedAt}::timestamptz, created_at)),
          created_partition = COALESCE(${createdReadAt?.partition ?? null}::int, created_partition),
          created_offset = COALESCE(${createdReadAt?.offset ?? null}::bigint, created_offset),
          reserved_partition = COALESCE(${reservedReadAt?.partition ?? null}::int, reserved_partition),
          reserved_offset = COALESCE(${reservedReadAt?.offset ?? null}::bigint, reserved_offset),
          updated_at = now()
        WHERE order_id = ${order.orderId})
      INSERT INTO order_history (order_id, status, event_type, event_id, occurred_at)
      VALUES (${order.orderId}, ${next.label}, ${input.fact.type}, ${input.eventId}::uuid,
              ${new Date(input.occurredAt)}::timestamptz)
      ON CONFLICT (event_id) DO NOTHING`;
    return next;
  }
}
