import { PrismaClient } from './generated/prisma/client';
import type { Prisma } from './generated/prisma/client';

/** order-service's own database (order schema in apps/order-service/prisma); injected by this class. */
export class OrderDatabase extends PrismaClient {}

/** The transaction client a handler gets in its `HandlerScope`. */
export type OrderTransaction = Prisma.TransactionClient;
