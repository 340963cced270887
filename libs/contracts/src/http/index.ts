export * from './api';
export * from './sync-flow';
export * from './resource-id';
