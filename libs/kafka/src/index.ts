export * from './client';
export * from './errors';
export * from './publisher';
export * from './provisioning';
export * from './consumer-runner';
export * from './dead-letter';
export * from './kafka.module';
export * from './outbox-relay';
