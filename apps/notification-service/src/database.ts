import { PrismaClient } from './generated/prisma/client';
import type { Prisma } from './generated/prisma/client';

/** notification-service's own database (notification schema in apps/notification-service/prisma); injected by this class. */
export class NotificationDatabase extends PrismaClient {}

/** The transaction client a handler gets in its `HandlerScope`. */
export type NotificationTransaction = Prisma.TransactionClient;
