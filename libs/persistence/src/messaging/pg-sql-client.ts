import pg from 'pg';
import { pgConnectionFields } from '../connection';
import type { SqlExecutor, TransactionalClient } from './prisma-consumer-store';

/**
 * What the messaging stores use of a Prisma client, on plain node-postgres: tagged templates
 * become bind parameters, `bigint` columns come back as BigInt, `$transaction` runs the work on
 * one connection. For the lib's own tests and benchmark, which have no generated client (a lib
 * does not import an app's schema); services pass their Prisma client.
 */
export function pgSqlClient(
  databaseUrl: string,
  poolSize = 4,
): { client: TransactionalClient<SqlExecutor>; pool: pg.Pool } {
  const pool = new pg.Pool({
    ...pgConnectionFields(databaseUrl),
    max: poolSize,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === 20
          ? (value: string) => BigInt(value)
          : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
    },
  });
  const on = (queryable: pg.Pool | pg.PoolClient): SqlExecutor => {
    const text = (strings: TemplateStringsArray) =>
      strings.reduce((sql, part, i) => `${sql}$${i}${part}`);
    return {
      $queryRaw: async <T>(strings: TemplateStringsArray, ...values: unknown[]) =>
        (await queryable.query(text(strings), values)).rows as T,
      $executeRaw: async (strings: TemplateStringsArray, ...values: unknown[]) =>
        (await queryable.query(text(strings), values)).rowCount ?? 0,
    };
  };
  const client: TransactionalClient<SqlExecutor> = {
    ...on(pool),
    async $transaction<R>(work: (tx: SqlExecutor) => Promise<R>): Promise<R> {
      const connection = await pool.connect();
      try {
        await connection.query('BEGIN');
        const result = await work(on(connection));
        await connection.query('COMMIT');
        return result;
      } catch (error) {
        await connection.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        connection.release();
      }
    },
  };
  return { client, pool };
}

/** The messaging tables as every service's migrations create them (the one definition). */
export { MESSAGING_TABLES_SQL } from './messaging-schema';
