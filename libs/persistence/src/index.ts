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
// node-postgres in the shape the messaging stores use: for tools and benches without a generated client.
export { MESSAGING_TABLES_SQL, pgSqlClient } from './messaging/pg-sql-client';
