/**
 * Every service's Prisma migrations against the local (or test) PostgreSQL server, offline:
 * through @seckill/persistence's Wasm schema engine, never the Prisma CLI's native engine.
 * Used by the local runner, `npm run db:migrate` and the integration tests.
 */
import * as path from 'node:path';
import {
  applyMigrations,
  createMigration,
  diffMigrationsToSchema,
  migrationStatus,
  type MigrationStatus,
  type NewMigration,
  type PrismaProjectPaths,
} from '@seckill/persistence';
import {
  databaseUrl,
  type InfraEndpoints,
  SERVICES,
  type ServiceSpec,
  serviceSpec,
} from './services';

/** A service that owns a database, with where its schema and migrations live. */
export interface MigratableService extends PrismaProjectPaths {
  readonly name: ServiceSpec['name'];
  readonly database: string;
}

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** The services with a database, in SERVICES order; `apps/<name>/prisma/…` by convention. */
export function migratableServices(root: string = REPO_ROOT): MigratableService[] {
  return SERVICES.filter((s): s is ServiceSpec & { database: string } => s.database !== null).map(
    (s) => ({
      name: s.name,
      database: s.database,
      schemaPath: path.join(root, 'apps', s.name, 'prisma', 'schema.prisma'),
      migrationsDir: path.join(root, 'apps', s.name, 'prisma', 'migrations'),
    }),
  );
}

/** One service by name; throws a clear error for gateway or a typo. */
export function migratableService(name: string, root: string = REPO_ROOT): MigratableService {
  const spec = serviceSpec(name);
  const found = migratableServices(root).find((s) => s.name === spec.name);
  if (!found) {
    const names = migratableServices(root).map((s) => s.name);
    throw new Error(`${name} has no database; services with one: ${names.join(', ')}`);
  }
  return found;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Applies each service's pending migrations to its database (the databases exist already:
 * the infra runner creates them). One line per service.
 */
export async function migrateAll(
  endpoints: InfraEndpoints,
  log: (line: string) => void,
  options: {
    /** Another database name per service (tests migrate into their own databases). */
    readonly databaseFor?: (svc: MigratableService) => string;
  } = {},
): Promise<void> {
  for (const svc of migratableServices()) {
    const database = options.databaseFor?.(svc) ?? svc.database;
    await migrateService(svc, databaseUrl(endpoints, database), log);
  }
}

/** Applies one service's pending migrations to the database at `url`. */
export async function migrateService(
  svc: MigratableService,
  url: string,
  log: (line: string) => void,
): Promise<readonly string[]> {
  const started = Date.now();
  const { applied, total } = await applyMigrations({ ...svc, databaseUrl: url });
  const ms = Date.now() - started;
  log(
    applied.length > 0
      ? `${svc.name}: applied ${plural(applied.length, 'migration')} (${applied.join(', ')}) in ${ms} ms`
      : `${svc.name}: already up to date (${plural(total, 'migration')})`,
  );
  return applied;
}

/** One line per state worth reading; empty when up to date. */
export function describeStatus(status: MigrationStatus): string[] {
  const lines: string[] = [];
  if (!status.hasMigrationsTable && status.migrations.length > 0) {
    lines.push('no migration applied yet');
  }
  if (status.pending.length) lines.push(`pending: ${status.pending.join(', ')}`);
  if (status.failed.length) {
    lines.push(`failed (fix the database, then mark it rolled back): ${status.failed.join(', ')}`);
  }
  if (status.edited.length) {
    lines.push(`edited after being applied: ${status.edited.join(', ')}`);
  }
  if (status.unknownApplied.length) {
    lines.push(`applied but not in the migrations directory: ${status.unknownApplied.join(', ')}`);
  }
  return lines;
}

/**
 * Migration status of every service's database; resolves with the names of the services that
 * are not up to date.
 */
export async function statusAll(
  endpoints: InfraEndpoints,
  log: (line: string) => void,
): Promise<string[]> {
  const behind: string[] = [];
  for (const svc of migratableServices()) {
    const status = await migrationStatus({
      ...svc,
      databaseUrl: databaseUrl(endpoints, svc.database),
    });
    const problems = describeStatus(status);
    if (status.upToDate) {
      log(`${svc.name}: up to date (${plural(status.migrations.length, 'migration')})`);
    } else {
      behind.push(svc.name);
      log(`${svc.name}: ${problems.join('; ') || 'not up to date'}`);
    }
  }
  return behind;
}

/**
 * Drift check for every service: do its migrations produce its schema.prisma? Shadow databases
 * are created (and dropped) on the server of `serverUrl`. Resolves with the drifted services.
 */
export async function checkDriftAll(
  serverUrl: string,
  log: (line: string) => void,
  services: readonly MigratableService[] = migratableServices(),
): Promise<string[]> {
  const drifted: string[] = [];
  for (const svc of services) {
    const drift = await diffMigrationsToSchema({ ...svc, databaseUrl: serverUrl });
    if (drift.differs) {
      drifted.push(svc.name);
      const relSchema = path.relative(REPO_ROOT, svc.schemaPath);
      log(
        `${svc.name}: DRIFT: ${relSchema} and its migrations differ; the missing migration would be:\n` +
          indent(drift.sql.trim()),
      );
    } else {
      log(`${svc.name}: schema and migrations agree`);
    }
  }
  return drifted;
}

/** Writes a new migration for `service` from its schema diff (shadow databases on `serverUrl`). */
export async function newMigration(
  service: string,
  name: string,
  serverUrl: string,
  options: { readonly empty?: boolean } = {},
): Promise<NewMigration> {
  const svc = migratableService(service);
  return createMigration({ ...svc, databaseUrl: serverUrl, name, empty: options.empty });
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
