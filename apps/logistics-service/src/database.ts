import { PrismaClient } from './generated/prisma/client';
import type { Prisma } from './generated/prisma/client';

/** logistics-service's own database (logistics schema in apps/logistics-service/prisma); injected by this class. */
export class LogisticsDatabase extends PrismaClient {}

/** The transaction client a handler gets in its `HandlerScope`. */
export type LogisticsTransaction = Prisma.TransactionClient;
