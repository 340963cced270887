import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { postgresServerUrl } from '@seckill/testing';
import { uniqueDatabaseName } from './admin';
import { pgConnectionFields } from './connection';
import { ScratchDatabase } from './scratch-database';

/** A test file's own database on the real server: created, reachable, migrated, dropped. */
const serverUrl = postgresServerUrl();

async function query<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
) {
  const client = new pg.Client(pgConnectionFields(url));
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function databasesLike(prefix: string): Promise<string[]> {
  const rows = await query<{ datname: string }>(
    serverUrl,
    'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
    [prefix],
  );
  return rows.map((r) => r.datname);
}

/** A throwaway Prisma folder (`schema.prisma` + `migrations/<name>/migration.sql`). */
function prismaDir(migrationSql: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'scratch-db-'));
  writeFileSync(join(dir, 'schema.prisma'), 'datasource db {\n  provider = "postgresql"\n}\n');
  mkdirSync(join(dir, 'migrations', '20260101000000_init'), { recursive: true });
  writeFileSync(join(dir, 'migrations', 'migration_lock.toml'), 'provider = "postgresql"\n');
  writeFileSync(join(dir, 'migrations', '20260101000000_init', 'migration.sql'), migrationSql);
  return dir;
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

it('creates an empty database of its own that can be connected to, and drops it', async () => {
  const database = await ScratchDatabase.create({ serverUrl, prefix: 'scratch_it' });
  expect(database.name).toMatch(/^scratch_it_[0-9a-f]{12}$/);
  expect(pgConnectionFields(database.url).database).toBe(database.name);

  const [row] = await query<{ db: string }>(database.url, 'SELECT current_database() AS db');
  expect(row?.db).toBe(database.name);
  expect(await databasesLike(database.name)).toEqual([database.name]);

  await database.drop();
  expect(await databasesLike(database.name)).toEqual([]);
});

it('applies the migrations of prismaDir', async () => {
  const dir = prismaDir('CREATE TABLE "widget" ("id" INTEGER PRIMARY KEY);');
  dirs.push(dir);
  const database = await ScratchDatabase.create({
    serverUrl,
    prefix: 'scratch_it',
    prismaDir: dir,
  });
  try {
    const rows = await query<{ name: string }>(
      database.url,
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    expect(rows.map((r) => r.name)).toEqual(['_prisma_migrations', 'widget']);
  } finally {
    await database.drop();
  }
});

it('drops the database again when its migrations fail', async () => {
  const dir = prismaDir('CREATE TABLE "widget" ("id" NO_SUCH_TYPE);');
  dirs.push(dir);
  const prefix = uniqueDatabaseName('scratch_it_fail');

  await expect(ScratchDatabase.create({ serverUrl, prefix, prismaDir: dir })).rejects.toThrow();
  expect(await databasesLike(prefix)).toEqual([]);
});
