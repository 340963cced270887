import { PrismaClient } from './generated/prisma/client';

/** notification-service's own database (notification schema in apps/notification-service/prisma); injected by this class. */
export class NotificationDatabase extends PrismaClient {}
