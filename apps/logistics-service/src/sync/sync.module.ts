import { Module } from '@nestjs/common';
import { SyncShipmentService } from './sync-shipment.service';
import { SyncShipmentsController } from './sync-shipments.controller';

/**
 * The synchronous baseline's internal route (ADR 0012). It needs the service's database and
 * logger only (global providers), so a test boots it without the consumer group.
 */
@Module({ controllers: [SyncShipmentsController], providers: [SyncShipmentService] })
export class SyncModule {}
