/**
 * The offline migration engine against a real PostgreSQL, on throwaway projects (schema +
 * migrations in a temp directory) and throwaway databases. The services' own schemas are
 * covered by infra/local/migrate.int-spec.ts.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEndpoints } from '@seckill/testing';
import pg from 'pg';
import { createDatabase, dropDatabase, ensureDatabase, uniqueDatabaseName } from '../admin';
import { pgConnectionFields, withDatabase } from '../connection';
import { DatabaseUnavailableError, pingDatabase } from '../readiness';
import {
  applyMigrations,
  createMigration,
  diffMigrationsToSchema,
  MigrationError,
  migrationStatus,
  type MigrationTarget,
  resolveMigration,
} from './migrator';

function serverUrl(database = 'postgres'): string {
  const { host, port, user, password } = testEndpoints().postgres;
  return `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/${database}`;
}

/** A schema with what the catalog reports as "char" / name columns: an enum, a foreign key. */
const RELATIONAL_SCHEMA = `
datasource db {
  provider = "postgresql"
}

enum Kind {
  STANDARD
  EXPRESS
}

model Parcel {
  id     BigInt  @id @default(autoincrement())
  kind   Kind
  code   String  @db.Char(3)
  items  Item[]
}

model Item {
  id       Int    @id @default(autoincrement())
  parcelId BigInt @map("parcel_id")
  parcel   Parcel @relation(fields: [parcelId], references: [id], onDelete: Cascade)

  @@index([parcelId])
}
`;

interface Project {
  readonly dir: string;
  readonly target: MigrationTarget;
}

async function query<T extends pg.QueryResultRow = pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client(pgConnectionFields(url));
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function shadowDatabases(): Promise<string[]> {
  const rows = await query<{ datname: string }>(
    serverUrl(),
    "SELECT datname FROM pg_database WHERE datname LIKE 'prisma\\_shadow\\_%'",
  );
  return rows.map((r) => r.datname);
}

describe('offline migrations (Wasm schema engine on adapter-pg)', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A temp project with `schema` and its own empty database. */
  async function project(schema: string): Promise<Project> {
    const dir = mkdtempSync(join(tmpdir(), 'persistence-mig-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'schema.prisma'), schema);
    const database = uniqueDatabaseName('mig');
    await createDatabase(serverUrl(), database);
    cleanups.push(() => dropDatabase(serverUrl(), database));
    return {
      dir,
      target: {
        schemaPath: join(dir, 'schema.prisma'),
        migrationsDir: join(dir, 'migrations'),
        databaseUrl: withDatabase(serverUrl(), database),
      },
    };
  }

  function addMigration(p: Project, name: string, sql: string): void {
    mkdirSync(join(p.target.migrationsDir, name), { recursive: true });
    writeFileSync(join(p.target.migrationsDir, name, 'migration.sql'), sql);
    writeFileSync(join(p.target.migrationsDir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  }

  it('creates, applies and checks a migration for a schema with enums and foreign keys', async () => {
    // Introspecting these hits the catalog's "char"/name columns adapter-pg cannot read.
    const p = await project(RELATIONAL_SCHEMA);
    const shadowsBefore = await shadowDatabases();

    const created = await createMigration({ ...p.target, name: 'init' });
    expect(created.name).toMatch(/^\d{14}_init$/);
    expect(created.sql).toContain('CREATE TYPE "Kind" AS ENUM');
    expect(created.sql).toContain('ADD CONSTRAINT "Item_parcel_id_fkey" FOREIGN KEY');

    expect(await applyMigrations(p.target)).toEqual({ applied: [created.name], total: 1 });
    expect(await diffMigrationsToSchema(p.target)).toEqual({ differs: false, sql: '' });
    expect((await migrationStatus(p.target)).upToDate).toBe(true);

    // Every shadow database was dropped again (a retry tolerates another run's transient one).
    let leftover: string[] = [];
    for (let attempt = 0; attempt < 10; attempt++) {
      leftover = (await shadowDatabases()).filter((name) => !shadowsBefore.includes(name));
      if (leftover.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(leftover).toEqual([]);
  });

  it('writes _prisma_migrations exactly as Prisma does (sha256 checksums, one row per migration)', async () => {
    const p = await project(RELATIONAL_SCHEMA);
    const { name, directory } = await createMigration({ ...p.target, name: 'init' });
    await applyMigrations(p.target);

    const rows = await query(
      p.target.databaseUrl,
      'SELECT migration_name, checksum, finished_at, logs, rolled_back_at, applied_steps_count FROM _prisma_migrations',
    );
    const sql = readFileSync(join(directory ?? '', 'migration.sql'));
    expect(rows).toEqual([
      {
        migration_name: name,
        checksum: createHash('sha256').update(sql).digest('hex'),
        finished_at: expect.any(Date),
        logs: null,
        rolled_back_at: null,
        applied_steps_count: 1,
      },
    ]);
    const columns = await query<{ column_name: string; data_type: string }>(
      p.target.databaseUrl,
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position",
    );
    expect(columns.map((c) => `${c.column_name} ${c.data_type}`)).toEqual([
      'id character varying',
      'checksum character varying',
      'finished_at timestamp with time zone',
      'migration_name character varying',
      'logs text',
      'rolled_back_at timestamp with time zone',
      'started_at timestamp with time zone',
      'applied_steps_count integer',
    ]);
  });

  it('reports a schema edited without a migration as drift, with the missing SQL', async () => {
    const p = await project(RELATIONAL_SCHEMA);
    await createMigration({ ...p.target, name: 'init' });
    writeFileSync(
      p.target.schemaPath,
      RELATIONAL_SCHEMA.replace(
        'code   String  @db.Char(3)',
        'code   String  @db.Char(3)\n  note   String?',
      ),
    );

    const drift = await diffMigrationsToSchema(p.target);

    expect(drift.differs).toBe(true);
    expect(drift.sql).toContain('ALTER TABLE "Parcel" ADD COLUMN');
    expect(drift.sql).toContain('"note" TEXT');

    const next = await createMigration({ ...p.target, name: 'add note' });
    expect(next.name).toMatch(/_add_note$/);
    expect(await diffMigrationsToSchema(p.target)).toEqual({ differs: false, sql: '' });
  });

  it('writes nothing when the schema has no changes, and an empty migration on request', async () => {
    const p = await project(RELATIONAL_SCHEMA);
    await createMigration({ ...p.target, name: 'init' });

    expect(await createMigration({ ...p.target, name: 'noop' })).toMatchObject({
      directory: null,
      sql: null,
    });
    const empty = await createMigration({ ...p.target, name: 'backfill', empty: true });
    expect(empty.sql).toBe('-- This is an empty migration.\n');
  });

  it('runs a migration script whole, so ";" inside strings and function bodies is fine', async () => {
    const p = await project('datasource db {\n  provider = "postgresql"\n}\n');
    addMigration(
      p,
      '20260101000000_function',
      `CREATE FUNCTION touch() RETURNS trigger AS $$
BEGIN
  NEW.note := 'a; b';
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TABLE notes (id int PRIMARY KEY, note text DEFAULT 'x; y');
`,
    );

    await applyMigrations(p.target);

    const rows = await query<{ note: string }>(
      p.target.databaseUrl,
      'INSERT INTO notes (id) VALUES (1) RETURNING note',
    );
    expect(rows).toEqual([{ note: 'x; y' }]);
  });

  it('leaves nothing of a failing migration behind and reports it as failed', async () => {
    const p = await project('datasource db {\n  provider = "postgresql"\n}\n');
    addMigration(p, '20260101000000_ok', 'CREATE TABLE first (id int);\n');
    addMigration(
      p,
      '20260102000000_broken',
      'CREATE TABLE second (id int);\nINSERT INTO missing_table VALUES (1);\n',
    );

    const failure = await applyMigrations(p.target).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(MigrationError);
    const message = String((failure as Error).message);
    expect(message).toContain('failed migration: 20260102000000_broken');
    expect(message).toContain('relation "missing_table" does not exist (SQLSTATE 42P01)');
    const tables = await query<{ tablename: string }>(
      p.target.databaseUrl,
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    );
    expect(tables.map((t) => t.tablename)).toEqual(['_prisma_migrations', 'first']);
    const status = await migrationStatus(p.target);
    expect(status.failed).toEqual(['20260102000000_broken']);
    expect(status.upToDate).toBe(false);

    // The way out, as with `prisma migrate resolve --rolled-back`: fix the SQL, resolve, deploy.
    writeFileSync(
      join(p.target.migrationsDir, '20260102000000_broken', 'migration.sql'),
      'CREATE TABLE second (id int);\n',
    );
    await resolveMigration(p.target, '20260102000000_broken', 'rolled-back');
    expect(await applyMigrations(p.target)).toEqual({
      applied: ['20260102000000_broken'],
      total: 2,
    });
    expect((await migrationStatus(p.target)).upToDate).toBe(true);
  });

  it('marks a migration applied without running it (baselining an existing database)', async () => {
    const p = await project('datasource db {\n  provider = "postgresql"\n}\n');
    addMigration(p, '20260101000000_baseline', 'CREATE TABLE existing (id int);\n');

    await resolveMigration(p.target, '20260101000000_baseline', 'applied');

    expect(await applyMigrations(p.target)).toEqual({ applied: [], total: 1 });
    const tables = await query(
      p.target.databaseUrl,
      "SELECT 1 FROM pg_tables WHERE tablename = 'existing'",
    );
    expect(tables).toHaveLength(0);
  });

  it('says which database it could not reach', async () => {
    const p = await project(RELATIONAL_SCHEMA);
    const target = { ...p.target, databaseUrl: withDatabase(serverUrl(), 'mig_does_not_exist') };
    await expect(applyMigrations(target)).rejects.toThrow(
      /cannot apply migrations on postgresql:\/\/.*\*\*\*@.*\/mig_does_not_exist: .*does not exist/,
    );
  });
});

describe('database administration and readiness', () => {
  it('drops a database that still has connections (WITH (FORCE))', async () => {
    const database = uniqueDatabaseName('mig');
    expect(await ensureDatabase(serverUrl(), database)).toBe(true);
    expect(await ensureDatabase(serverUrl(), database)).toBe(false);
    const pool = new pg.Pool(pgConnectionFields(withDatabase(serverUrl(), database)));
    pool.on('error', () => undefined); // the forced drop terminates this connection
    try {
      expect(await pingDatabase(pool)).toBeGreaterThanOrEqual(0);
      await dropDatabase(serverUrl(), database);
      const rows = await query(serverUrl(), 'SELECT 1 FROM pg_database WHERE datname = $1', [
        database,
      ]);
      expect(rows).toHaveLength(0);
    } finally {
      await pool.end();
    }
  });

  it('reports an unreachable database as DatabaseUnavailableError', async () => {
    const { host, user, password } = testEndpoints().postgres;
    const pool = new pg.Pool({ host, port: 1, user, password, database: 'postgres' });
    try {
      await expect(pingDatabase(pool)).rejects.toBeInstanceOf(DatabaseUnavailableError);
    } finally {
      await pool.end();
    }
  });
});
