import { PrismaClient } from './generated/prisma/client';
import type { Prisma } from './generated/prisma/client';

/** inventory-service's own database (inventory schema in apps/inventory-service/prisma); injected by this class. */
export class InventoryDatabase extends PrismaClient {}

/** The transaction client a handler gets in its `HandlerScope`. */
export type InventoryTransaction = Prisma.TransactionClient;
