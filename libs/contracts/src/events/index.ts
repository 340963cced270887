export * from './lifecycle.v1';
export * from './registry';
