import { Module } from '@nestjs/common';
import { SyncReservationService } from './sync-reservation.service';
import { SyncReservationsController } from './sync-reservations.controller';

/**
 * The synchronous baseline's internal routes (ADR 0012). It needs the service's database and
 * logger only (global providers), so a test boots it without the consumer group.
 */
@Module({ controllers: [SyncReservationsController], providers: [SyncReservationService] })
export class SyncModule {}
