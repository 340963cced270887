import { join } from 'node:path';
import {
  messagingSchemaDrift,
  prismaBlocks,
  readServicePrismaSources,
  type ServicePrismaSources,
  sqlStatements,
  touchesMessagingTables,
} from './messaging-schema-drift';
import {
  MESSAGING_MIGRATIONS,
  MESSAGING_MODELS,
  MESSAGING_PRISMA_MODELS,
  MESSAGING_TABLES,
  MESSAGING_TABLES_SQL,
} from './messaging-schema';
import { MESSAGING_TABLES_SQL as PG_SQL_CLIENT_TABLES_SQL } from './pg-sql-client';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');
const services = readServicePrismaSources(join(REPO_ROOT, 'apps'), REPO_ROOT);

describe('the messaging tables, defined once (messaging-schema.ts)', () => {
  it('are the inbox and the outbox', () => {
    expect(MESSAGING_MODELS).toEqual(['InboxEvent', 'OutboxEvent']);
    expect(MESSAGING_TABLES).toEqual(['inbox_events', 'outbox_events']);
    expect(MESSAGING_TABLES_SQL).toBe(MESSAGING_MIGRATIONS.map((step) => step.sql).join('\n'));
    expect(PG_SQL_CLIENT_TABLES_SQL).toBe(MESSAGING_TABLES_SQL);
  });

  it('are found in every service with a database', () => {
    expect(services.map((sources) => sources.service)).toEqual(
      expect.arrayContaining([
        'inventory-service',
        'logistics-service',
        'notification-service',
        'order-service',
        'payment-service',
      ]),
    );
    for (const sources of services) expect(sources.migrations.length).toBeGreaterThan(0);
  });

  it.each(services.map((sources) => [sources.service, sources] as const))(
    '%s: schema.prisma and migrations match the one definition',
    (_service, sources) => {
      // The messages name the file, the line or migration, and what differs.
      expect(messagingSchemaDrift([sources])).toEqual([]);
    },
  );
});

describe('messagingSchemaDrift (proof that it fails on drift)', () => {
  const order = services.find((sources) => sources.service === 'order-service')!;
  const withSchema = (schema: string): ServicePrismaSources => ({ ...order, schema });
  const withMigrations = (
    migrations: ServicePrismaSources['migrations'],
  ): ServicePrismaSources => ({
    ...order,
    migrations,
  });

  it('ignores whitespace in schema.prisma (prisma format re-aligns columns)', () => {
    const realigned = order.schema.replace(
      'attempts    Int       @default(0)',
      'attempts Int @default(0)\n',
    );
    expect(realigned).not.toBe(order.schema);
    expect(messagingSchemaDrift([withSchema(realigned)])).toEqual([]);
  });

  it('reports a changed field with its file and line', () => {
    const drifted = order.schema.replace(
      'attempts    Int       @default(0)',
      'attempts    Int       @default(1)',
    );
    const line = drifted.split('\n').indexOf('  attempts    Int       @default(1)') + 1;
    expect(messagingSchemaDrift([withSchema(drifted)])).toEqual([
      'order-service: `model OutboxEvent` drifted from MESSAGING_PRISMA_MODELS at ' +
        `apps/order-service/prisma/schema.prisma:${line}\n` +
        '    expected: attempts Int @default(0)\n' +
        '    found:    attempts Int @default(1)',
    ]);
  });

  it('reports a changed doc comment, a missing model and a second model on a messaging table', () => {
    const docChanged = order.schema.replace('Kafka message key', 'The Kafka message key');
    expect(messagingSchemaDrift([withSchema(docChanged)])).toEqual([
      expect.stringContaining('`model OutboxEvent` drifted'),
    ]);

    const inbox = prismaBlocks(order.schema).find((block) => block.name === 'InboxEvent')!;
    const withoutInbox = order.schema.replace(inbox.lines.join('\n'), '');
    expect(messagingSchemaDrift([withSchema(withoutInbox)])).toEqual([
      expect.stringContaining('has 0 `model InboxEvent` blocks, expected 1'),
    ]);

    const duplicate = `${order.schema}\nmodel Inbox2 {\n  id Int @id\n  @@map("inbox_events")\n}\n`;
    expect(messagingSchemaDrift([withSchema(duplicate)])).toEqual([
      expect.stringContaining('`model Inbox2` maps to messaging table "inbox_events"'),
    ]);
  });

  it('ignores comments and whitespace in migrations, not a changed column', () => {
    const [init, ...rest] = order.migrations;
    const reformatted = init.sql.replace(/\n\n/g, '\n  /* spacing */\n').replace(/ {4}/g, '\t');
    expect(
      messagingSchemaDrift([withMigrations([{ ...init, sql: reformatted }, ...rest])]),
    ).toEqual([]);

    const changed = init.sql.replace('"attempts" INTEGER NOT NULL DEFAULT 0', '"attempts" INTEGER');
    const [problem] = messagingSchemaDrift([withMigrations([{ ...init, sql: changed }, ...rest])]);
    expect(problem).toContain(`${init.path} applies`);
    expect(problem).toContain('MESSAGING_MIGRATIONS step "init" has');
    expect(problem).toContain(
      'first difference: expected …, "attempts" integer not null default 0… ' +
        'found …, "attempts" integer , constraint "outbox_events_pkey" primary…',
    );
  });

  it('reports a later migration that alters a messaging table, and one that is missing', () => {
    const alter = {
      name: '20990101000000_outbox_priority',
      path: 'apps/order-service/prisma/migrations/20990101000000_outbox_priority/migration.sql',
      sql: 'ALTER TABLE "outbox_events" ADD COLUMN "priority" INTEGER NOT NULL DEFAULT 0;\n',
    };
    expect(messagingSchemaDrift([withMigrations([...order.migrations, alter])])).toEqual([
      expect.stringContaining(
        `${alter.path} applies\n    ALTER TABLE "outbox_events" ADD COLUMN "priority" INTEGER NOT NULL DEFAULT 0\n` +
          '    which MESSAGING_MIGRATIONS does not have',
      ),
    ]);

    const [, ...withoutInit] = order.migrations;
    expect(messagingSchemaDrift([withMigrations(withoutInit)])).toEqual([
      expect.stringContaining('no migration applies\n    CREATE TABLE "inbox_events"'),
    ]);
  });
});

describe('sqlStatements', () => {
  it('splits on semicolons outside strings, quoted identifiers, comments and dollar quotes', () => {
    const statements = sqlStatements(`
      -- a comment; not a statement
      CREATE TABLE "a;b" ("x" TEXT DEFAULT 'it''s; fine'); /* ; */
      CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
      select 1`);
    expect(statements.map((statement) => statement.text)).toEqual([
      `CREATE TABLE "a;b" ("x" TEXT DEFAULT 'it''s; fine')`,
      'CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql',
      'select 1',
    ]);
    expect(statements[0].tokens).toEqual([
      'create',
      'table',
      '"a;b"',
      '(',
      '"x"',
      'text',
      'default',
      "'it''s; fine'",
      ')',
    ]);
  });

  it('tells statements on the messaging tables (and their indexes) from the rest', () => {
    const touches = (sql: string) => touchesMessagingTables(sqlStatements(sql)[0]);
    expect(touches('CREATE INDEX "x" ON outbox_events (id)')).toBe(true);
    expect(touches('ALTER INDEX "inbox_events_pkey" RENAME TO "y"')).toBe(true);
    expect(touches('CREATE TABLE "sales" ("id" UUID)')).toBe(false);
    expect(touches("INSERT INTO notes VALUES ('outbox_events')")).toBe(false);
  });
});

it('MESSAGING_PRISMA_MODELS is the models and nothing else', () => {
  expect(prismaBlocks(MESSAGING_PRISMA_MODELS).map((block) => block.name)).toEqual(
    MESSAGING_MODELS,
  );
});
