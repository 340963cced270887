import { Global, Module } from '@nestjs/common';
import { NotificationWriter } from './notification-writer';

/**
 * What the lifecycle handlers depend on. Global because KafkaModule.forConsumer builds the
 * handlers in a module of its own, which sees only global providers; one NotificationWriter for
 * all of them, so the rows of a consumer transaction are written together.
 */
@Global()
@Module({ providers: [NotificationWriter], exports: [NotificationWriter] })
export class NotificationsModule {}
