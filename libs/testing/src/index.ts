export * from './endpoints';
export * from './wait-for';
export * from './kafka';
export * from './poison-mix';
export * from './broker-switch';
export * from './call-counter';
export * from './order-created';
