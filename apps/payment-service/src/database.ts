import { PrismaClient } from './generated/prisma/client';
import type { Prisma } from './generated/prisma/client';

/** payment-service's own database (payment schema in apps/payment-service/prisma); injected by this class. */
export class PaymentDatabase extends PrismaClient {}

/** The transaction client a handler gets in its `HandlerScope`. */
export type PaymentTransaction = Prisma.TransactionClient;

/**
 * Serialises everything payment-service decides about one order (capture, void, refund) across
 * transactions and instances, until the transaction ends. Without it a capture and a
 * cancellation committing side by side could each miss the other and keep the money of a
 * cancelled order. The two-key form has a key space of its own (no clash with the outbox relay's
 * one-key lock); the namespace is "PAY".
 */
export async function lockOrder(tx: PaymentTransaction, orderId: string): Promise<void> {
  await lockOrders(tx, [orderId]);
}

/**
 * `lockOrder` for many orders in one statement (a chunk's, a batch of capture results'). The
 * locks are taken in one order everywhere (by key), so two transactions locking overlapping sets
 * never wait for each other in a cycle. A statement sees what was committed when it started: the
 * lock must be a statement of its own, before the statements that read what it guards.
 */
export async function lockOrders(
  tx: PaymentTransaction,
  orderIds: readonly string[],
): Promise<void> {
  if (orderIds.length === 0) return;
  await tx.$executeRaw`
    SELECT pg_advisory_xact_lock(${ORDER_LOCK_NAMESPACE}::int, key)
    FROM (SELECT DISTINCT hashtext(id) AS key FROM unnest(${orderIds}::text[]) AS id) AS keys
    ORDER BY key`;
}

const ORDER_LOCK_NAMESPACE = 0x504159;
