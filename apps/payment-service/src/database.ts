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
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ORDER_LOCK_NAMESPACE}::int, hashtext(${orderId}))`;
}

const ORDER_LOCK_NAMESPACE = 0x504159;
