export * from './auth';
export * from './validation';
