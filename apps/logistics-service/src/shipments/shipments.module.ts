import { Global, Module } from '@nestjs/common';
import { ShipmentWriter } from './shipment-writer';

/**
 * What the handlers depend on. Global because KafkaModule.forConsumer builds the handlers in a
 * module of its own, which sees only global providers; one ShipmentWriter for all of them, so the
 * shipments of a consumer transaction are written together.
 */
@Global()
@Module({ providers: [ShipmentWriter], exports: [ShipmentWriter] })
export class ShipmentsModule {}
