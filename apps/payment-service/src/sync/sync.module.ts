import { Module } from '@nestjs/common';
import { SyncPaymentService } from './sync-payment.service';
import { SyncPaymentsController } from './sync-payments.controller';

/**
 * The synchronous baseline's internal routes (ADR 0012). It needs the service's database, the
 * provider and its retry policy (global providers of PaymentProviderModule: the same provider,
 * with the same latency and failure settings, as the capturer's), so a test boots it with a
 * provider of its own and without the consumer group.
 */
@Module({ controllers: [SyncPaymentsController], providers: [SyncPaymentService] })
export class SyncModule {}
