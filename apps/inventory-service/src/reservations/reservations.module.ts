import { Global, Module } from '@nestjs/common';
import { ReservationWriter } from './reservation-writer';

/**
 * What the handlers depend on. Global because KafkaModule.forConsumer builds the handlers in a
 * module of its own, which sees only global providers; one ReservationWriter for all of them, so
 * the reservations of a consumer transaction are decided together.
 */
@Global()
@Module({ providers: [ReservationWriter], exports: [ReservationWriter] })
export class ReservationsModule {}
