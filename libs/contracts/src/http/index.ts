export * from './api';
export * from './sync-flow';
