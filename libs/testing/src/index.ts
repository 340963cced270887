export * from './endpoints';
export * from './wait-for';
export * from './kafka';
export * from './broker-switch';
