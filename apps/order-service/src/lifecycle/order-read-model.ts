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
}

interface LockedOrder {
  readonly status: string;
  readonly sale_id: string;
  readonly user_id: string;
  readonly created_at: Date;
}

/**
 * Writes one event into the `orders` / `order_history` read model, in the consumer's
 * transaction. The order row is created by whichever of its events arrives first (order.created
 * may come last) and locked (`FOR UPDATE`) while the status moves, so the deadline sweeper and
 * a consumer never both decide on the same order.
 */
@Injectable()
export class OrderReadModel {
  async apply(tx: OrderTransaction, input: OrderEventInput): Promise<Transition> {
    const { order } = input;
    const firstSeen = new Date(input.created?.acceptedAt ?? input.occurredAt);
    // ON CONFLICT DO NOTHING: a failed INSERT would abort the whole transaction.
    await tx.order.createMany({
      data: [
        {
          orderId: order.orderId,
          saleId: order.saleId,
          userId: order.userId,
          quantity: order.quantity,
          status: 'PENDING',
          createdAt: firstSeen,
        },
      ],
      skipDuplicates: true,
    });
    const [current] = await tx.$queryRaw<LockedOrder[]>`
      SELECT status, sale_id, user_id, created_at FROM orders
      WHERE order_id = ${order.orderId}
      FOR UPDATE`;
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
    await tx.order.update({
      where: { orderId: order.orderId },
      data: {
        ...(next.moved ? { status: next.status } : {}),
        ...(input.amountCents === undefined ? {} : { amountCents: input.amountCents }),
        ...(input.created ? await this.createdFields(tx, input.order, input.created, current) : {}),
        updatedAt: new Date(),
      },
    });
    await tx.orderHistory.createMany({
      data: [
        {
          orderId: order.orderId,
          status: next.label,
          eventType: input.fact.type,
          eventId: input.eventId,
          occurredAt: new Date(input.occurredAt),
        },
      ],
      skipDuplicates: true,
    });
    return next;
  }

  /** What order.created adds to an order another event created first. */
  private async createdFields(
    tx: OrderTransaction,
    order: OrderRef,
    created: NonNullable<OrderEventInput['created']>,
    current: LockedOrder,
  ): Promise<{ priceCents: number; idempotencyKey?: string; createdAt: Date }> {
    const acceptedAt = new Date(created.acceptedAt);
    // Redis remembers a key for 24 h only; a key reused later names a new order, which must not
    // trip the unique index (the first order keeps the key).
    const holder = await tx.order.findFirst({
      where: {
        saleId: order.saleId,
        userId: order.userId,
        idempotencyKey: created.idempotencyKey,
        NOT: { orderId: order.orderId },
      },
      select: { orderId: true },
    });
    return {
      priceCents: created.priceCents,
      ...(holder ? {} : { idempotencyKey: created.idempotencyKey }),
      createdAt: acceptedAt < current.created_at ? acceptedAt : current.created_at,
    };
  }
}
