export * from './connection';
export * from './admin';
export * from './readiness';
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
