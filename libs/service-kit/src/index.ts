export * from './bootstrap';
export * from './health';
export * from './http';
export * from './problem';
export * from './service-kit.module';
