/**
 * npm run db:migrate -- [deploy | status | check | new <service> <name>] [options]
 *
 * Prisma migrations for every service's database, offline (no Prisma binaries host needed):
 * see libs/persistence/README.md.
 */
import * as path from 'node:path';
import {
  MigrationError,
  migrationStatus,
  redactDatabaseUrl,
  resolveMigration,
} from '@seckill/persistence';
import { HOST, POSTGRES_PASSWORD, POSTGRES_PORT, POSTGRES_USER } from '../local/infra-paths';
import {
  checkDriftAll,
  describeStatus,
  migratableService,
  migratableServices,
  migrateAll,
  migrateService,
  newMigration,
  statusAll,
} from '../local/migrate';
import { databaseUrl, type InfraEndpoints } from '../local/services';
import {
  UsageError,
  command,
  custom,
  flag,
  parseCommandLine,
  runCommandLine,
  text,
  usageErrorLine,
} from './command-line';

export { UsageError };

const service = custom<string | null>(
  '<s>',
  null,
  'only this service',
  (value) => {
    if (!value) throw new UsageError('--service takes a service name');
    checkService(value);
    return value;
  },
  { shownDefault: '' },
);

export const MIGRATE_CLI = {
  name: 'db:migrate',
  usage: 'npm run db:migrate -- [command] [options]',
  description: `Applies and checks the Prisma migrations of every service database (apps/<service>/prisma),
offline: through the Wasm schema engine, never the Prisma CLI's downloaded native engine.`,
  defaultCommand: 'deploy',
  commands: {
    deploy: command({
      summary: 'apply pending migrations (= prisma migrate deploy)',
      options: { service },
      build: (o) => ({ kind: 'deploy' as const, service: o.service }),
    }),
    status: command({
      summary: `compare each database's history with its migrations directory;
exit 1 when one is not up to date`,
      options: { service },
      build: (o) => ({ kind: 'status' as const, service: o.service }),
    }),
    check: command({
      summary: `drift check: replay each service's migrations into a throwaway
shadow database and diff against its schema.prisma; exit 1 on
drift, naming the service and printing the missing SQL`,
      options: { service },
      build: (o) => ({ kind: 'check' as const, service: o.service }),
    }),
    new: command({
      summary: `write apps/<service>/prisma/migrations/<timestamp>_<name>/
migration.sql from the schema diff`,
      args: '<service> <name>',
      options: { empty: flag('an empty migration, to write by hand') },
      build: (o, positional) => {
        if (positional.length !== 2) {
          throw new UsageError(
            '"new" takes a service and a migration name, e.g. new order-service add_orders',
          );
        }
        const [svc, name] = positional;
        checkService(svc);
        return { kind: 'new' as const, service: svc, name, empty: o.empty };
      },
    }),
    resolve: command({
      summary: `record a failed migration as rolled back (after fixing it, so
deploy runs it again), or one as applied without running it
(= prisma migrate resolve); give one of the two options`,
      args: '<service>',
      options: {
        rolledBack: text('<migration>', 'mark this migration rolled back'),
        applied: text('<migration>', 'mark this migration applied'),
      },
      build: (o, positional) => {
        const migration = o.rolledBack ?? o.applied;
        if (positional.length !== 1 || migration === null || (o.rolledBack && o.applied)) {
          throw new UsageError(
            '"resolve" takes a service, then --rolled-back <migration> or --applied <migration>',
          );
        }
        checkService(positional[0]);
        return {
          kind: 'resolve' as const,
          service: positional[0],
          migration,
          as: o.applied !== null ? ('applied' as const) : ('rolled-back' as const),
        };
      },
    }),
  },
  footer: `Connection: the local runner's PostgreSQL (${HOST}:${POSTGRES_PORT}, user ${POSTGRES_USER}) unless
PGHOST, PGPORT, PGUSER, PGPASSWORD say otherwise. With --service, DATABASE_URL (when set) is
that service's database. check and new only need the server; their shadow databases need a role
with CREATEDB.`,
};

export type Command = ReturnType<typeof parseArgs>;

export function parseArgs(argv: readonly string[]) {
  return parseCommandLine(MIGRATE_CLI, argv);
}

/** Fails fast on a typo, or on gateway (no database). */
function checkService(service: string): void {
  try {
    migratableService(service);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** The local runner's server, unless the libpq variables point elsewhere. */
export function endpointsFromEnv(env: NodeJS.ProcessEnv = process.env): InfraEndpoints {
  const port = env.PGPORT ? Number(env.PGPORT) : POSTGRES_PORT;
  if (!Number.isInteger(port) || port <= 0)
    throw new UsageError(`PGPORT is not a port: ${env.PGPORT}`);
  return {
    postgres: {
      host: env.PGHOST || HOST,
      port,
      user: env.PGUSER || POSTGRES_USER,
      password: env.PGPASSWORD ?? POSTGRES_PASSWORD,
    },
    redisUrl: '',
    kafkaBrokers: [],
  };
}

/** A hint for the failures a developer meets first. */
export function hintFor(message: string): string | null {
  if (/ECONNREFUSED|Can't reach database server|DatabaseNotReachable/i.test(message)) {
    return 'Is PostgreSQL running? Start the local infrastructure with: npm run infra -- up';
  }
  if (/database [`"][^`"]+[`"] does not exist/i.test(message)) {
    return 'The infra runner creates the service databases: npm run infra -- up';
  }
  if (/password authentication failed|AuthenticationFailed/i.test(message)) {
    return 'Check PGUSER / PGPASSWORD (or DATABASE_URL).';
  }
  if (/permission denied to create database/i.test(message)) {
    return 'check and new create shadow databases: the role needs CREATEDB.';
  }
  return null;
}

async function main(argv: readonly string[]): Promise<number> {
  const command = runCommandLine(MIGRATE_CLI, argv);
  if (typeof command === 'number') return command;
  let endpoints: InfraEndpoints;
  try {
    endpoints = endpointsFromEnv();
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(usageErrorLine('db:migrate', err.message));
      return 2;
    }
    throw err;
  }
  const log = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  // --service with DATABASE_URL: that database; otherwise the service's database on the server.
  const serviceUrl = (service: string): string =>
    process.env.DATABASE_URL || databaseUrl(endpoints, migratableService(service).database);
  const serverUrl = (service: string | null): string =>
    service && process.env.DATABASE_URL
      ? process.env.DATABASE_URL
      : databaseUrl(endpoints, 'postgres');

  switch (command.kind) {
    case 'deploy':
      if (command.service) {
        await migrateService(migratableService(command.service), serviceUrl(command.service), log);
      } else {
        await migrateAll(endpoints, log);
      }
      return 0;
    case 'status': {
      if (command.service) {
        const svc = migratableService(command.service);
        const url = serviceUrl(command.service);
        const status = await migrationStatus({ ...svc, databaseUrl: url });
        const problems = describeStatus(status);
        log(
          `${svc.name} (${redactDatabaseUrl(url)}): ${status.upToDate ? 'up to date' : problems.join('; ')}`,
        );
        return status.upToDate ? 0 : 1;
      }
      const behind = await statusAll(endpoints, log);
      if (behind.length)
        log(`\nnot up to date: ${behind.join(', ')} (apply with: npm run db:migrate)`);
      return behind.length ? 1 : 0;
    }
    case 'check': {
      const services = command.service
        ? [migratableService(command.service)]
        : migratableServices();
      const drifted = await checkDriftAll(serverUrl(command.service), log, services);
      if (drifted.length) {
        log(
          `\nschema drift in ${drifted.join(', ')}: add the migration with ` +
            `npm run db:migrate -- new <service> <name>`,
        );
        return 1;
      }
      return 0;
    }
    case 'new': {
      const created = await newMigration(
        command.service,
        command.name,
        serverUrl(command.service),
        {
          empty: command.empty,
        },
      );
      if (created.directory === null) {
        log(
          `${command.service}: schema.prisma matches its migrations; nothing written ` +
            '(use --empty for a hand-written migration)',
        );
        return 0;
      }
      log(
        `${command.service}: wrote ${path.relative(process.cwd(), created.directory)}/migration.sql`,
      );
      log(created.sql ?? '');
      log('Review it, then apply with: npm run db:migrate');
      return 0;
    }
    case 'resolve': {
      const svc = migratableService(command.service);
      await resolveMigration(
        { ...svc, databaseUrl: serviceUrl(command.service) },
        command.migration,
        command.as,
      );
      log(`${svc.name}: marked ${command.migration} ${command.as}`);
      return 0;
    }
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      process.stderr.write(`db:migrate: error: ${message}\n`);
      const hint = hintFor(message);
      if (hint) process.stderr.write(`${hint}\n`);
      if (!(err instanceof MigrationError) && err instanceof Error && err.stack) {
        process.stderr.write(`${err.stack}\n`);
      }
      process.exit(1);
    },
  );
}
