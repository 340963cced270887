import { PrismaClient } from './generated/prisma/client';

/** payment-service's own database (payment schema in apps/payment-service/prisma); injected by this class. */
export class PaymentDatabase extends PrismaClient {}
