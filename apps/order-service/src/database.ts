import { PrismaClient } from './generated/prisma/client';

/** order-service's own database (order schema in apps/order-service/prisma); injected by this class. */
export class OrderDatabase extends PrismaClient {}
