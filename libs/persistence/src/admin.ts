import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pgConnectionFields } from './connection';

/**
 * Database-level administration (CREATE / DROP DATABASE) for test, shadow and local databases.
 * Runs on a short-lived single connection to the server's maintenance database `postgres`, so it
 * never holds a connection to the database it creates or drops.
 */

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

function assertIdentifier(name: string): void {
  // Database names are interpolated into DDL (no bind parameters there), so only plain ones.
  if (!IDENTIFIER.test(name)) {
    throw new Error(`refusing database name "${name}": use lowercase letters, digits and _`);
  }
}

/** A fresh unique database name, e.g. `mig_3f9c2a7d10b4`. */
export function uniqueDatabaseName(prefix: string): string {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  assertIdentifier(name);
  return name;
}

async function withMaintenanceConnection<T>(
  serverUrl: string,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ ...pgConnectionFields(serverUrl), database: 'postgres' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates database `name` on the server of `serverUrl` (any database URL of that server). */
export async function createDatabase(serverUrl: string, name: string): Promise<void> {
  assertIdentifier(name);
  await withMaintenanceConnection(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
}

/** Creates database `name` unless it exists; resolves true when it was created. */
export async function ensureDatabase(serverUrl: string, name: string): Promise<boolean> {
  assertIdentifier(name);
  return withMaintenanceConnection(serverUrl, async (client) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    await client.query(`CREATE DATABASE "${name}"`);
    return true;
  });
}

/**
 * Drops database `name` if it exists, disconnecting its sessions first (`WITH (FORCE)`):
 * a pool that has not finished closing must not make the drop fail.
 *
 * One refusal is left: "must be a member of the role whose process is being terminated" (42501),
 * seen once in CI when the migrator dropped its shadow database, although every session there
 * is the same role's. The likely cause is a session still starting up, whose role is not set yet
 * when the drop looks at it; a few milliseconds later it is. So that refusal alone is tried
 * again, a few times, and anything else (or a sixth refusal) is thrown.
 */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  assertIdentifier(name);
  for (let attempt = 1; ; attempt++) {
    try {
      await withMaintenanceConnection(serverUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
      );
      return;
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (code !== INSUFFICIENT_PRIVILEGE || attempt >= DROP_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

const INSUFFICIENT_PRIVILEGE = '42501';
const DROP_ATTEMPTS = 5;
