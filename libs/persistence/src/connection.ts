import { PrismaPg } from '@prisma/adapter-pg';

/** A PostgreSQL connection as separate fields, the only form this library hands to `pg`. */
export interface PgConnectionFields {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

/**
 * Splits a `postgresql://user:password@host:port/database` URL into fields.
 *
 * Why not give `pg` the `connectionString`: `pg` lets the string override an explicit `database`,
 * so a connection meant for a shadow or test database silently lands in the main one.
 * A `?host=/path/to/socket` parameter (Unix socket) overrides the host, as libpq does.
 */
export function pgConnectionFields(databaseUrl: string): PgConnectionFields {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new Error(`invalid database URL: ${redactDatabaseUrl(databaseUrl)}`);
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new Error(
      `unsupported database URL scheme "${url.protocol}" in ${redactDatabaseUrl(databaseUrl)}; expected postgresql://`,
    );
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) {
    throw new Error(`database URL has no database name: ${redactDatabaseUrl(databaseUrl)}`);
  }
  const port = url.port ? Number(url.port) : 5432;
  // IPv6 literals come back bracketed from URL; pg wants them bare.
  const host = url.searchParams.get('host') ?? url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    host: host || 'localhost',
    port,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database,
  };
}

/** The same server and credentials, another database (test, shadow or maintenance databases). */
export function withDatabase(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** The URL with its password masked, safe for logs and error messages. */
export function redactDatabaseUrl(databaseUrl: string): string {
  return databaseUrl.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

export interface PgAdapterOptions {
  /** Connections in the pool (pg `max`). Default 10. */
  readonly poolSize?: number;
  /** Give up connecting after this long (ms). Default 5 000. */
  readonly connectionTimeoutMillis?: number;
  /** Close connections idle this long (ms). Default 30 000. */
  readonly idleTimeoutMillis?: number;
  /** Shows up in pg_stat_activity; the service name is a good value. */
  readonly applicationName?: string;
  /** An idle pooled connection failed (e.g. the server restarted); log it, the pool recovers. */
  readonly onPoolError?: (error: Error) => void;
}

/**
 * The driver adapter a service hands to its generated client:
 * `new PrismaClient({ adapter: createPgAdapter(process.env.DATABASE_URL) })`.
 * The query path needs no native Prisma engine.
 */
export function createPgAdapter(databaseUrl: string, options: PgAdapterOptions = {}): PrismaPg {
  return new PrismaPg(
    {
      ...pgConnectionFields(databaseUrl),
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
      idleTimeoutMillis: options.idleTimeoutMillis ?? 30_000,
      application_name: options.applicationName,
    },
    options.onPoolError ? { onPoolError: options.onPoolError } : undefined,
  );
}
