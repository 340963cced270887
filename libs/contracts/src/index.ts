export * from './topics';
export * from './consumer-groups';
export * from './envelope';
export * from './events';
export * from './decode';
export * from './http';
