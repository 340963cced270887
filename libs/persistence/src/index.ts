export * from './connection';
export * from './admin';
export * from './readiness';
export * from './scratch-database';
export {
  applyMigrations,
  createMigration,
  diffMigrationsToSchema,
  migrationStatus,
  MigrationError,
  resolveMigration,
  type MigrationStatus,
  type MigrationTarget,
  type NewMigration,
  type PrismaProjectPaths,
  type SchemaDrift,
} from './migrations/migrator';
// The NestJS wiring (another engineer's file): a service's client, readiness probe and shutdown.
export * from './persistence.module';
export * from './messaging/prisma-consumer-store';
export * from './messaging/prisma-outbox-store';
// An event's outbox row and a row's Kafka record: the one way into `outbox_events` and the one out.
export { outboxRowOf, recordOf, type OutboxRow, type OutboxRowInput } from './messaging/outbox-row';
// node-postgres in the shape the messaging stores use: for tools and benches without a generated client.
export { pgSqlClient } from './messaging/pg-sql-client';
// The messaging tables (inbox, outbox), defined once; every service's schema and migrations copy them.
export {
  MESSAGING_MIGRATIONS,
  MESSAGING_MODELS,
  MESSAGING_PRISMA_MODELS,
  MESSAGING_TABLES,
  MESSAGING_TABLES_SQL,
  type MessagingMigration,
} from './messaging/messaging-schema';
