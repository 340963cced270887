import * as path from 'node:path';
import { createDatabase, dropDatabase, uniqueDatabaseName } from './admin';
import { withDatabase } from './connection';
import { applyMigrations } from './migrations/migrator';

export interface ScratchDatabaseOptions {
  /** Any database URL of the server, e.g. its maintenance database `postgres`. */
  readonly serverUrl: string;
  /** Start of the database name (lowercase letters, digits, _), e.g. `payment_it`. */
  readonly prefix: string;
  /** A service's `prisma/` folder: its `schema.prisma` + `migrations` are applied when given. */
  readonly prismaDir?: string;
}

/**
 * A uniquely named database of its own for one integration test file (or harness), so test
 * files running in parallel on the shared server never see each other's rows; `drop()` removes
 * it afterwards.
 */
export class ScratchDatabase {
  private constructor(
    private readonly serverUrl: string,
    readonly name: string,
    readonly url: string,
  ) {}

  static async create(options: ScratchDatabaseOptions): Promise<ScratchDatabase> {
    const name = uniqueDatabaseName(options.prefix);
    const database = new ScratchDatabase(
      options.serverUrl,
      name,
      withDatabase(options.serverUrl, name),
    );
    await createDatabase(options.serverUrl, name);
    if (options.prismaDir !== undefined) {
      try {
        await applyMigrations({
          schemaPath: path.join(options.prismaDir, 'schema.prisma'),
          migrationsDir: path.join(options.prismaDir, 'migrations'),
          databaseUrl: database.url,
        });
      } catch (error) {
        // The caller never gets the handle, so nobody else could drop the half-made database.
        await database.drop().catch(() => undefined);
        throw error;
      }
    }
    return database;
  }

  /** Drops the database, disconnecting whatever pool is still attached to it. */
  async drop(): Promise<void> {
    await dropDatabase(this.serverUrl, this.name);
  }
}
