/**
 * Every service's schema.prisma and migrations against a real PostgreSQL: the migrations apply to
 * an empty database, they produce exactly the schema (no drift), and the generated client works
 * through the driver adapter. Each test works in databases of its own, dropped afterwards.
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  applyMigrations,
  createDatabase,
  createPgAdapter,
  dropDatabase,
  migrationStatus,
  pgConnectionFields,
  uniqueDatabaseName,
} from '@seckill/persistence';
import { testEndpoints } from '@seckill/testing';
import pg from 'pg';
import { checkDriftAll, type MigratableService, migratableServices, migrateAll } from './migrate';
import { databaseUrl, type InfraEndpoints } from './services';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const SERVICES = migratableServices();

function endpoints(): InfraEndpoints {
  return testEndpoints();
}

/** Creates a database for this test and registers its drop. */
const created: string[] = [];
async function ownDatabase(): Promise<string> {
  const name = uniqueDatabaseName('mig');
  await createDatabase(databaseUrl(endpoints(), 'postgres'), name);
  created.push(name);
  return databaseUrl(endpoints(), name);
}
afterEach(async () => {
  for (const name of created.splice(0))
    await dropDatabase(databaseUrl(endpoints(), 'postgres'), name);
});

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(pgConnectionFields(url));
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function migrationNames(svc: MigratableService): string[] {
  return readdirSync(svc.migrationsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

it('knows the five services with a database and finds their schemas and migrations', () => {
  expect(SERVICES.map((s) => s.name)).toEqual([
    'order-service',
    'inventory-service',
    'payment-service',
    'logistics-service',
    'notification-service',
  ]);
  for (const svc of SERVICES) {
    expect(existsSync(svc.schemaPath)).toBe(true);
    expect(readFileSync(path.join(svc.migrationsDir, 'migration_lock.toml'), 'utf8')).toContain(
      'provider = "postgresql"',
    );
    expect(migrationNames(svc).length).toBeGreaterThan(0);
  }
});

describe.each(SERVICES.map((s) => [s.name, s] as const))('%s migrations', (_name, svc) => {
  it('apply to an empty database, create the saga tables, and are a no-op the second time', async () => {
    const url = await ownDatabase();

    const first = await applyMigrations({ ...svc, databaseUrl: url });
    expect(first.applied).toEqual(migrationNames(svc));

    await withClient(url, async (db) => {
      const tables = await db.query<{ tablename: string }>(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
      );
      expect(tables.rows.map((r) => r.tablename)).toEqual(
        expect.arrayContaining(['_prisma_migrations', 'inbox_events', 'outbox_events']),
      );

      // The inbox's idempotency key is a database constraint: a redelivery cannot slip through.
      const eventId = randomUUID();
      const insertInbox = (group: string) =>
        db.query(
          'INSERT INTO inbox_events (consumer_group, event_id, topic, partition, "offset") VALUES ($1, $2, $3, $4, $5)',
          [group, eventId, 'order.created', 3, '42'],
        );
      await insertInbox('inventory-service');
      await expect(insertInbox('inventory-service')).rejects.toMatchObject({ code: '23505' });
      await insertInbox('another-group'); // same event, another consumer group: its own row

      const insertOutbox = () =>
        db.query(
          "INSERT INTO outbox_events (event_id, topic, key, type, version, payload) VALUES ($1, 'order.created', 'o-1', 'order.created', 1, '{}')",
          [eventId],
        );
      await insertOutbox();
      await expect(insertOutbox()).rejects.toMatchObject({ code: '23505' });

      const relayIndex = await db.query<{ indexdef: string }>(
        "SELECT indexdef FROM pg_indexes WHERE tablename = 'outbox_events' AND indexname = 'outbox_events_published_at_id_idx'",
      );
      expect(relayIndex.rows[0]?.indexdef).toContain('(published_at, id)');
    });

    const second = await applyMigrations({ ...svc, databaseUrl: url });
    expect(second.applied).toEqual([]);
    expect((await migrationStatus({ ...svc, databaseUrl: url })).upToDate).toBe(true);
  });
});

it('migrateAll migrates every service database with a line per service, then finds nothing to do', async () => {
  const databases = new Map<string, string>();
  for (const svc of SERVICES)
    databases.set(svc.name, new URL(await ownDatabase()).pathname.slice(1));
  const databaseFor = (svc: MigratableService): string => databases.get(svc.name) ?? '';

  const lines: string[] = [];
  await migrateAll(endpoints(), (line) => lines.push(line), { databaseFor });
  expect(lines).toHaveLength(SERVICES.length);
  for (const [i, svc] of SERVICES.entries()) {
    expect(lines[i]).toMatch(new RegExp(`^${svc.name}: applied \\d+ migrations? \\(`));
  }

  const again: string[] = [];
  await migrateAll(endpoints(), (line) => again.push(line), { databaseFor });
  expect(again).toEqual(
    SERVICES.map((svc) => expect.stringMatching(new RegExp(`^${svc.name}: already up to date`))),
  );
});

describe('drift check (schema.prisma vs migrations)', () => {
  const serverUrl = (): string => databaseUrl(endpoints(), 'postgres');

  it('finds no drift in any service: every schema change has its migration', async () => {
    const lines: string[] = [];
    const drifted = await checkDriftAll(serverUrl(), (line) => lines.push(line));
    // On failure, the lines show the SQL of the missing migration.
    expect({ drifted, lines }).toEqual({ drifted: [], lines: expect.any(Array) });
    expect(lines).toHaveLength(SERVICES.length);
  });

  it('reports a schema edited without a migration, naming the service and the missing SQL', async () => {
    const original = SERVICES.find((s) => s.name === 'payment-service');
    if (!original) throw new Error('payment-service not found');
    const dir = mkdtempSync(path.join(tmpdir(), 'drift-'));
    try {
      cpSync(path.dirname(original.schemaPath), path.join(dir, 'prisma'), { recursive: true });
      const copy: MigratableService = {
        ...original,
        schemaPath: path.join(dir, 'prisma', 'schema.prisma'),
        migrationsDir: path.join(dir, 'prisma', 'migrations'),
      };
      const schema = readFileSync(copy.schemaPath, 'utf8');
      const edited = schema.replace(
        /(model OutboxEvent \{\n)/,
        '$1  lastError   String?   @map("last_error")\n',
      );
      expect(edited).not.toBe(schema);
      writeFileSync(copy.schemaPath, edited);

      const lines: string[] = [];
      const drifted = await checkDriftAll(serverUrl(), (line) => lines.push(line), [copy]);

      expect(drifted).toEqual(['payment-service']);
      expect(lines.join('\n')).toMatch(
        /payment-service: DRIFT[\s\S]*ALTER TABLE "outbox_events" ADD COLUMN\s+"last_error" TEXT/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The slice of every service's generated client this test uses. */
interface OutboxRow {
  id: bigint;
  eventId: string;
  key: string;
  payload: unknown;
  headers: unknown;
  publishedAt: Date | null;
  attempts: number;
  createdAt: Date;
}
interface SagaClient {
  outboxEvent: {
    create(args: {
      data: Omit<OutboxRow, 'id' | 'publishedAt' | 'attempts' | 'createdAt'> & {
        topic: string;
        type: string;
        version: number;
      };
    }): Promise<OutboxRow>;
    findMany(args: { where: { publishedAt: null }; orderBy: { id: 'asc' } }): Promise<OutboxRow[]>;
  };
  inboxEvent: {
    create(args: {
      data: {
        consumerGroup: string;
        eventId: string;
        topic: string;
        partition: number;
        offset: bigint;
      };
    }): Promise<unknown>;
  };
  $disconnect(): Promise<void>;
}
type SagaClientClass = new (options: { adapter: ReturnType<typeof createPgAdapter> }) => SagaClient;

describe('generated Prisma clients with the pg driver adapter', () => {
  beforeAll(() => {
    // The clients are git-ignored build output: generate them (offline, ~3 s) when missing.
    const missing = SERVICES.some((s) => !existsSync(clientPath(s)));
    if (missing) {
      execFileSync(process.execPath, ['-r', '@swc-node/register', 'infra/cli/prisma-generate.ts'], {
        cwd: REPO_ROOT,
        stdio: 'pipe',
      });
    }
  });

  function clientPath(svc: MigratableService): string {
    return path.join(
      path.dirname(path.dirname(svc.schemaPath)),
      'src',
      'generated',
      'prisma',
      'client.ts',
    );
  }

  it.each(SERVICES.map((s) => [s.name, s] as const))(
    '%s: inserts and reads an outbox row, and the inbox rejects a duplicate',
    async (_name, svc) => {
      const url = await ownDatabase();
      await applyMigrations({ ...svc, databaseUrl: url });
      // Loaded by path: each service's client is its own generated module.
      const { PrismaClient } = require(clientPath(svc)) as { PrismaClient: SagaClientClass };
      const prisma = new PrismaClient({ adapter: createPgAdapter(url, { poolSize: 2 }) });
      try {
        const eventId = randomUUID();
        const created = await prisma.outboxEvent.create({
          data: {
            eventId,
            topic: 'order.created',
            key: 'order-1',
            type: 'order.created',
            version: 1,
            payload: { orderId: 'order-1', quantity: 1 },
            headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
          },
        });
        expect(created).toMatchObject({ eventId, publishedAt: null, attempts: 0 });
        expect(typeof created.id).toBe('bigint');

        const pending = await prisma.outboxEvent.findMany({
          where: { publishedAt: null },
          orderBy: { id: 'asc' },
        });
        expect(pending).toEqual([
          expect.objectContaining({ eventId, payload: { orderId: 'order-1', quantity: 1 } }),
        ]);

        const inbox = {
          consumerGroup: svc.name,
          eventId,
          topic: 'order.created',
          partition: 0,
          offset: 7n,
        };
        await prisma.inboxEvent.create({ data: inbox });
        await expect(prisma.inboxEvent.create({ data: inbox })).rejects.toMatchObject({
          code: 'P2002',
        });
      } finally {
        await prisma.$disconnect();
      }
    },
  );
});
