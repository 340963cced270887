export * from './redis.module';
export * from './stock-channel';
export * from './token-bucket';
export { TOKEN_BUCKET_LUA } from './token-bucket.lua';
export * from './sale-keys';
export * from './admission';
export * from './restock';
export * from './outbox-streams';
export * from './outbox-stream-entry';
