import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { HistoryDiagnostic, SchemaEngine, SchemaFilter } from '@prisma/schema-engine-wasm';
import { redactDatabaseUrl } from '../connection';
import {
  LOCK_FILE_CONTENT,
  migrationDirectoryName,
  readMigrationsDirectory,
  readSchemaFiles,
  writeMigration,
} from './files';
import { MigrationAdapterFactory } from './migration-adapter';
import { schemaEngineWasm } from './wasm-engine';

/**
 * Prisma Migrate without the native schema engine: the same engine compiled to WebAssembly
 * (`@prisma/schema-engine-wasm`) on top of `@prisma/adapter-pg`. It writes Prisma's own
 * `_prisma_migrations` table with Prisma's checksums, so the online `prisma migrate deploy`
 * accepts the history this writes, and the other way round.
 */

/** Where one service keeps its Prisma schema and migrations. */
export interface PrismaProjectPaths {
  /** `schema.prisma`, or a folder of `*.prisma` files. */
  readonly schemaPath: string;
  /** The `migrations` directory (`<name>/migration.sql` + `migration_lock.toml`). */
  readonly migrationsDir: string;
}

export interface MigrationTarget extends PrismaProjectPaths {
  /**
   * The database to migrate. For diffs and new migrations, any database on the server: the
   * engine connects to it and creates (and drops) its shadow databases next to it.
   */
  readonly databaseUrl: string;
  /** The engine's own log lines, for debugging. */
  readonly engineLog?: (line: string) => void;
}

/** A failure the schema engine reported, with Prisma's error code when it has one (P3xxx…). */
export class MigrationError extends Error {
  constructor(
    message: string,
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

const NO_FILTER: SchemaFilter = { externalTables: [], externalEnums: [] };

/** `prisma migrate deploy`: applies the migrations not yet applied, in order. */
export async function applyMigrations(
  target: MigrationTarget,
): Promise<{ readonly applied: readonly string[]; readonly total: number }> {
  const migrationsList = await readMigrationsDirectory(target.migrationsDir);
  try {
    const { appliedMigrationNames } = await withEngine(target, 'apply migrations', (engine) =>
      engine.applyMigrations({ migrationsList, filters: NO_FILTER }),
    );
    return { applied: appliedMigrationNames, total: migrationsList.migrationDirectories.length };
  } catch (error) {
    // Unlike the CLI, the Wasm engine's error does not say which migration failed; the
    // migrations table does (a failed migration blocks every later deploy until resolved).
    if (!(error instanceof MigrationError)) throw error;
    const failed = await migrationStatus(target).then(
      (status) => status.failed,
      () => [],
    );
    if (failed.length === 0) throw error;
    throw new MigrationError(
      `${error.message}\nfailed migration: ${failed.join(', ')}. Nothing of it was applied ` +
        '(a migration runs as one transaction); fix it, then mark it rolled back ' +
        '(resolve --rolled-back) and deploy again.',
      error.code,
      { cause: error.cause },
    );
  }
}

export interface MigrationStatus {
  /** Migrations in the directory, in order. */
  readonly migrations: readonly string[];
  readonly hasMigrationsTable: boolean;
  /** In the directory, not applied to the database. */
  readonly pending: readonly string[];
  /** Applied to the database, missing from the directory. */
  readonly unknownApplied: readonly string[];
  /** Recorded as failed in `_prisma_migrations`; deploy refuses to continue until resolved. */
  readonly failed: readonly string[];
  /** Applied, but their migration.sql changed since (checksum mismatch). */
  readonly edited: readonly string[];
  /** The database's history and the directory have the same migrations, none failed. */
  readonly upToDate: boolean;
}

/** `prisma migrate status`: compares the migrations directory with `_prisma_migrations`. */
export async function migrationStatus(target: MigrationTarget): Promise<MigrationStatus> {
  const migrationsList = await readMigrationsDirectory(target.migrationsDir);
  const output = await withEngine(target, 'read migration status', (engine) =>
    engine.diagnoseMigrationHistory({
      migrationsList,
      optInToShadowDatabase: false,
      filters: NO_FILTER,
    }),
  );
  const { pending, unknownApplied } = historyLists(output.history);
  return {
    migrations: migrationsList.migrationDirectories.map((m) => m.path),
    hasMigrationsTable: output.hasMigrationsTable,
    pending,
    unknownApplied,
    failed: output.failedMigrationNames,
    edited: output.editedMigrationNames,
    upToDate: output.history === null && output.failedMigrationNames.length === 0,
  };
}

function historyLists(history: HistoryDiagnostic | null): {
  pending: readonly string[];
  unknownApplied: readonly string[];
} {
  if (history === null) return { pending: [], unknownApplied: [] };
  switch (history.diagnostic) {
    case 'databaseIsBehind':
      return { pending: history.unappliedMigrationNames, unknownApplied: [] };
    case 'migrationsDirectoryIsBehind':
      return { pending: [], unknownApplied: history.unpersistedMigrationNames };
    case 'historiesDiverge':
      return {
        pending: history.unappliedMigrationNames,
        unknownApplied: history.unpersistedMigrationNames,
      };
  }
}

/**
 * `prisma migrate resolve`: record a failed migration as rolled back (after fixing the database
 * and the SQL, so the next deploy runs it again), or a migration as applied without running it
 * (baselining a database that already has its effect).
 */
export async function resolveMigration(
  target: MigrationTarget,
  migrationName: string,
  as: 'rolled-back' | 'applied',
): Promise<void> {
  const migrationsList = await readMigrationsDirectory(target.migrationsDir);
  if (!migrationsList.migrationDirectories.some((m) => m.path === migrationName)) {
    throw new MigrationError(`no migration ${migrationName} in ${target.migrationsDir}`);
  }
  await withEngine(target, `mark ${migrationName} ${as}`, (engine) =>
    as === 'applied'
      ? engine.markMigrationApplied({ migrationName, migrationsList })
      : engine.markMigrationRolledBack({ migrationName }),
  );
}

export interface SchemaDrift {
  /** The migrations directory does not produce the schema. */
  readonly differs: boolean;
  /** The SQL that would take a database from the migrations to the schema ('' when none). */
  readonly sql: string;
}

/**
 * Drift check: replays the migrations into a shadow database and diffs the result against the
 * schema (`prisma migrate diff --from-migrations … --to-schema … --script --exit-code`).
 * Catches a schema.prisma edited without a migration, and a migration edited by hand.
 */
export async function diffMigrationsToSchema(target: MigrationTarget): Promise<SchemaDrift> {
  const [migrationsList, files] = await Promise.all([
    readMigrationsDirectory(target.migrationsDir),
    readSchemaFiles(target.schemaPath),
  ]);
  // A service's first migration has no lock file yet; the engine needs it only for the
  // provider, which is always PostgreSQL here.
  const lockfile = {
    ...migrationsList.lockfile,
    content: migrationsList.lockfile.content ?? LOCK_FILE_CONTENT,
  };
  const result = await withEngine(target, 'diff migrations against the schema', (engine) =>
    engine.diff({
      from: { tag: 'migrations', ...migrationsList, lockfile },
      to: { tag: 'schemaDatamodel', files },
      script: true,
      exitCode: true,
      filters: NO_FILTER,
    }),
  );
  // --exit-code semantics: 0 = no difference, 2 = difference.
  const differs = result.exitCode === 2;
  return { differs, sql: differs ? (result.stdout ?? '') : '' };
}

export interface NewMigration {
  /** e.g. `20261125120000_add_reservations`. */
  readonly name: string;
  /** The directory written, or null when the schema had no changes (nothing written). */
  readonly directory: string | null;
  readonly sql: string | null;
}

/** What Prisma writes into a migration created empty (`migrate dev --create-only` on no change). */
const EMPTY_MIGRATION = '-- This is an empty migration.';

/**
 * `prisma migrate dev --create-only`, without touching the target database: the SQL from the
 * current migrations to the schema, written as a new migration directory. `empty: true` writes
 * an empty migration to fill in by hand (data migrations, things the schema cannot express).
 *
 * The engine's own createMigration cannot reach a shadow database through a driver adapter in
 * the Wasm build ("shadow DB must be provided through an external factory"), so this is the
 * migrations → schema diff, the same SQL createMigration generates, plus Prisma's naming.
 */
export async function createMigration(
  target: MigrationTarget & {
    readonly name: string;
    readonly empty?: boolean;
    readonly now?: Date;
  },
): Promise<NewMigration> {
  const existing = await readMigrationsDirectory(target.migrationsDir);
  const name = migrationDirectoryName(
    target.name,
    target.now,
    existing.migrationDirectories.map((m) => m.path),
  );
  const drift = await diffMigrationsToSchema(target);
  if (!drift.differs && !target.empty) return { name, directory: null, sql: null };
  const sql = drift.differs ? drift.sql : `${EMPTY_MIGRATION}\n`;
  const directory = await writeMigration(target.migrationsDir, name, sql);
  return { name, directory, sql };
}

/**
 * Runs one engine command with a fresh engine and connection pool, and always releases both
 * (and any shadow database): the CLI and the tests run many short sessions in one process.
 */
async function withEngine<T>(
  target: MigrationTarget,
  action: string,
  command: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  const files = await readSchemaFiles(target.schemaPath);
  const factory = new MigrationAdapterFactory(target.databaseUrl);
  const bound = bindMigrationAwareSqlAdapterFactory(factory);
  const log = target.engineLog;
  let engine: SchemaEngine | undefined;
  try {
    engine = await schemaEngineWasm().SchemaEngine.new(
      { datamodels: files.map((f): [string, string] => [f.path, f.content]) },
      (line: string) => log?.(line.trimEnd()),
      bound,
    );
    return await command(engine);
  } catch (error) {
    throw toMigrationError(
      error,
      action,
      target.databaseUrl,
      bound.errorRegistry,
      factory.lastDatabaseError,
    );
  } finally {
    engine?.free();
    await factory.dispose();
  }
}

interface ErrorLookup {
  consumeError(id: number): { error: unknown } | undefined;
}

/**
 * Engine errors arrive as Errors or plain objects. A JS error thrown inside the adapter (e.g. our
 * CREATE DATABASE for a shadow database) reaches us only as "External error id#N" in the
 * engine's message: the error itself waits in the adapter's error registry under that id.
 */
export function toMigrationError(
  error: unknown,
  action: string,
  databaseUrl: string,
  registry: ErrorLookup,
  databaseError: string | undefined,
): MigrationError {
  if (error instanceof MigrationError) return error;
  const where = redactDatabaseUrl(databaseUrl);
  const record =
    typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
  const raw =
    error instanceof Error
      ? error.message
      : typeof record['message'] === 'string'
        ? record['message']
        : String(error);
  const code = typeof record['code'] === 'string' ? record['code'] : undefined;
  // The engine appends its span trace ("   0: schema_engine_wasm::…"); it stays in `cause`.
  let summary = raw.split(/\n\s+0: /)[0].trim();
  let cause: unknown = error;
  const external = /External error id#(\d+)/.exec(summary);
  const registered = external ? registry.consumeError(Number(external[1]))?.error : undefined;
  if (external && registered !== undefined) {
    const text = registered instanceof Error ? registered.message : String(registered);
    summary = summary.replace(external[0], text);
    cause = registered;
  }
  if (summary.includes('external connector error') && databaseError) {
    summary = `${summary.replace(/external connector error\s*/, '').trim()}\ndatabase error: ${databaseError}`;
  }
  return new MigrationError(
    `cannot ${action} on ${where}: ${code ? `${code} ` : ''}${summary}`,
    code,
    { cause },
  );
}
