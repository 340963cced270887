import { PrismaPg } from '@prisma/adapter-pg';
import type {
  SqlDriverAdapter,
  SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { createDatabase, dropDatabase, uniqueDatabaseName } from '../admin';
import { type PgConnectionFields, pgConnectionFields } from '../connection';

/**
 * The driver adapter the Wasm schema engine runs on: `@prisma/adapter-pg`, with the known
 * problems of using it for migrations worked around (see /docs/adr/0002-prisma-offline-migrations.md).
 */

const OID_CHAR = 18; // Postgres "char" (pg_class.relkind, pg_constraint.contype, ...)
const OID_NAME = 19; // Postgres name (catalog identifiers)
const OID_TEXT = 25;

/**
 * The schema engine introspects catalog columns of types "char" and name, which adapter-pg
 * cannot deserialize (`Column type 'char' could not be deserialized`, prisma/orm#27403).
 * pg has already parsed their values as strings, so relabelling the result columns as text
 * before the adapter maps them is lossless.
 */
export function reportCharAndNameAsText(result: unknown): void {
  for (const one of Array.isArray(result) ? result : [result]) {
    if (typeof one !== 'object' || one === null) continue;
    const fields: unknown = (one as { fields?: unknown }).fields;
    if (!Array.isArray(fields)) continue;
    for (const field of fields as Array<{ dataTypeID?: unknown }>) {
      if (field.dataTypeID === OID_CHAR || field.dataTypeID === OID_NAME) {
        field.dataTypeID = OID_TEXT;
      }
    }
  }
}

type AnyQuery = (...args: unknown[]) => unknown;

/** Wraps one pooled connection's `query` (promise and callback forms) with the relabelling. */
function relabelCatalogColumns(client: pg.PoolClient): void {
  const original = client.query.bind(client) as AnyQuery;
  const patched: AnyQuery = (...args) => {
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      // pg-pool's Pool#query calls the connection with a callback.
      const callback = last as (error: unknown, result: unknown) => void;
      args[args.length - 1] = (error: unknown, result: unknown) => {
        if (!error) reportCharAndNameAsText(result);
        callback(error, result);
      };
      return original(...args);
    }
    const returned = original(...args);
    if (isPromiseLike(returned)) {
      return returned.then((result: unknown) => {
        reportCharAndNameAsText(result);
        return result;
      });
    }
    return returned; // a Submittable (cursor, stream): not used by the engine
  };
  (client as unknown as { query: AnyQuery }).query = patched;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * The database's own words for a failed statement. adapter-pg maps Postgres errors to Prisma
 * kinds, and the engine then reports e.g. "external connector error / No such table"; the
 * original message and SQLSTATE ride along in the DriverAdapterError's cause.
 */
export function describeDriverError(error: unknown): string {
  const cause: unknown = error instanceof Error ? (error as { cause?: unknown }).cause : undefined;
  if (typeof cause === 'object' && cause !== null) {
    const c = cause as Record<string, unknown>;
    const message =
      typeof c['originalMessage'] === 'string'
        ? c['originalMessage']
        : typeof c['message'] === 'string'
          ? c['message']
          : undefined;
    const code =
      typeof c['originalCode'] === 'string'
        ? c['originalCode']
        : typeof c['code'] === 'string'
          ? c['code']
          : undefined;
    if (message) return code ? `${message} (SQLSTATE ${code})` : message;
  }
  return error instanceof Error ? error.message : String(error);
}

type OnDatabaseError = (error: unknown) => void;

function reporting<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
  onError: OnDatabaseError,
): (...args: A) => Promise<R> {
  return async (...args) => {
    try {
      return await fn(...args);
    } catch (error) {
      onError(error);
      throw error;
    }
  };
}

async function connectAdapter(
  fields: PgConnectionFields,
  onError: OnDatabaseError,
): Promise<SqlDriverAdapter> {
  // The engine issues one statement at a time; two connections leave room for its transactions.
  const pool = new pg.Pool({ ...fields, max: 2, connectionTimeoutMillis: 10_000 });
  pool.on('connect', relabelCatalogColumns);
  // Swallow idle-connection errors (e.g. the server went away): the next query reports them.
  pool.on('error', () => undefined);
  const adapter = await new PrismaPg(pool, { disposeExternalPool: true }).connect();
  return {
    provider: adapter.provider,
    adapterName: adapter.adapterName,
    queryRaw: reporting((query) => adapter.queryRaw(query), onError),
    executeRaw: reporting((query) => adapter.executeRaw(query), onError),
    startTransaction: (isolationLevel) => adapter.startTransaction(isolationLevel),
    getConnectionInfo: () => adapter.getConnectionInfo(),
    dispose: () => adapter.dispose(),
    // adapter-pg splits scripts on ";" and runs the pieces separately, which breaks on a ";" in a
    // string or function body and leaves half a migration behind on failure. Prisma's native
    // engine sends the whole script as one simple query (one implicit transaction on Postgres);
    // a query without parameters goes out exactly that way, with the adapter's error mapping.
    executeScript: reporting(async (script: string) => {
      await adapter.executeRaw({ sql: script, args: [], argTypes: [] });
    }, onError),
  };
}

/**
 * Connections for the schema engine: the target database, and shadow databases it replays
 * migrations into (for diffs and drift checks).
 *
 * adapter-pg's own shadow database fails to drop (`database "prisma_migrate_shadow_db_…" is being
 * accessed by other users`: it drops before closing its pool), so we create each shadow database
 * ourselves and drop it `WITH (FORCE)` after disconnecting.
 */
export class MigrationAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres' as const;
  readonly adapterName = '@prisma/adapter-pg';
  private readonly shadowDatabases = new Set<string>();
  private readonly open = new Set<SqlDriverAdapter>();
  /** The last statement the database rejected, in its own words (for error messages). */
  lastDatabaseError: string | undefined;
  private readonly recordError = (error: unknown): void => {
    this.lastDatabaseError = describeDriverError(error);
  };

  constructor(private readonly databaseUrl: string) {}

  async connect(): Promise<SqlDriverAdapter> {
    return this.track(await connectAdapter(pgConnectionFields(this.databaseUrl), this.recordError));
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const name = uniqueDatabaseName('prisma_shadow');
    await createDatabase(this.databaseUrl, name);
    this.shadowDatabases.add(name);
    let adapter: SqlDriverAdapter;
    try {
      adapter = await connectAdapter(
        { ...pgConnectionFields(this.databaseUrl), database: name },
        this.recordError,
      );
    } catch (error) {
      await this.dropShadow(name);
      throw error;
    }
    return this.track({
      ...adapter,
      dispose: async () => {
        try {
          await adapter.dispose();
        } finally {
          await this.dropShadow(name);
        }
      },
    });
  }

  /**
   * Closes what the engine left open: freeing the Wasm engine does not dispose its adapters,
   * and an open pool would keep the process alive. Then drops any remaining shadow database.
   */
  async dispose(): Promise<void> {
    for (const adapter of [...this.open]) await adapter.dispose();
    for (const name of [...this.shadowDatabases]) await this.dropShadow(name);
  }

  /** Remembers an adapter until it is disposed (by the engine or by dispose()). */
  private track(adapter: SqlDriverAdapter): SqlDriverAdapter {
    let disposed = false;
    const tracked: SqlDriverAdapter = {
      ...adapter,
      dispose: async () => {
        if (disposed) return;
        disposed = true;
        this.open.delete(tracked);
        await adapter.dispose();
      },
    };
    this.open.add(tracked);
    return tracked;
  }

  private async dropShadow(name: string): Promise<void> {
    this.shadowDatabases.delete(name);
    await dropDatabase(this.databaseUrl, name);
  }
}
