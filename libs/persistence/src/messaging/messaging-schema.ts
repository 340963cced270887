/**
 * The messaging tables every service database has, defined once: the saga's inbox
 * (`inbox_events`, consumer idempotency) and transactional outbox (`outbox_events`).
 *
 * - `MESSAGING_PRISMA_MODELS` is the block each `apps/<service>/prisma/schema.prisma` must contain
 *   (compared whitespace-normalised, doc comments included).
 * - `MESSAGING_MIGRATIONS` is the DDL, as the ordered steps each service's migrations apply to
 *   these tables; a change to the tables is a new step at the end, never an edit of an old one
 *   (applied migrations are checksummed).
 * - `MESSAGING_TABLES_SQL` is what an empty database ends up with: every step, in order.
 *
 * `messaging-schema.spec.ts` reads every service's schema and migrations and fails on drift;
 * how to change the tables: libs/persistence/README.md ("The messaging tables").
 * Print the current block: `node -r @swc-node/register infra/cli/messaging-schema.ts [prisma|sql]`.
 */

/** The Prisma models, exactly as each service's schema.prisma carries them. */
export const MESSAGING_PRISMA_MODELS = `/// Consumer-side idempotency (the inbox): a row per (consumer group, event) already applied.
/// It is inserted in the same transaction as the event's effects, so a redelivered event hits
/// the primary key (a unique constraint) and changes nothing.
model InboxEvent {
  consumerGroup String   @map("consumer_group")
  eventId       String   @map("event_id") @db.Uuid
  /// Where the event was read from, for tracing a duplicate back to its delivery.
  topic         String
  partition     Int
  offset        BigInt
  processedAt   DateTime @default(now()) @map("processed_at") @db.Timestamptz(3)

  // One index, not an extra surrogate key: this insert is on every consumer's hot path.
  @@id([consumerGroup, eventId])
  @@map("inbox_events")
}

/// Producer-side transactional outbox: written in the same transaction as the state change and
/// published to Kafka by the relay, so a crash between the commit and the publish loses nothing.
model OutboxEvent {
  /// Monotonic within the database: the relay publishes in id order, which keeps per-key order.
  id          BigInt    @id @default(autoincrement())
  eventId     String    @unique @map("event_id") @db.Uuid
  topic       String
  /// Kafka message key (the aggregate id, e.g. the order id).
  key         String
  type        String
  version     Int
  payload     Json
  /// Kafka headers (trace context and the like).
  headers     Json      @default("{}")
  createdAt   DateTime  @default(now()) @map("created_at") @db.Timestamptz(3)
  /// Null until the relay has published the event.
  publishedAt DateTime? @map("published_at") @db.Timestamptz(3)
  attempts    Int       @default(0)

  // The relay's scan: WHERE published_at IS NULL ORDER BY id.
  @@index([publishedAt, id])
  @@map("outbox_events")
}
`;

/** One change to the messaging tables, applied by one migration in every service. */
export interface MessagingMigration {
  /** Used as the migration's name in each service (`<timestamp>_<name>`). */
  readonly name: string;
  /** The SQL it applies to the messaging tables (PostgreSQL, as `prisma migrate` writes it). */
  readonly sql: string;
}

/** The DDL of the messaging tables, step by step, oldest first. */
export const MESSAGING_MIGRATIONS: readonly MessagingMigration[] = [
  {
    name: 'init',
    sql: `-- CreateTable
CREATE TABLE "inbox_events" (
    "consumer_group" TEXT NOT NULL,
    "event_id" UUID NOT NULL,
    "topic" TEXT NOT NULL,
    "partition" INTEGER NOT NULL,
    "offset" BIGINT NOT NULL,
    "processed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "inbox_events_pkey" PRIMARY KEY ("consumer_group","event_id")
);

-- CreateTable
CREATE TABLE "outbox_events" (
    "id" BIGSERIAL NOT NULL,
    "event_id" UUID NOT NULL,
    "topic" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "payload" JSONB NOT NULL,
    "headers" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "outbox_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "outbox_events_event_id_key" ON "outbox_events"("event_id");

-- CreateIndex
CREATE INDEX "outbox_events_published_at_id_idx" ON "outbox_events"("published_at", "id");
`,
  },
];

/** The messaging tables as an empty database gets them (every step, in order). */
export const MESSAGING_TABLES_SQL = MESSAGING_MIGRATIONS.map((step) => step.sql).join('\n');

/** The model names, in definition order. */
export const MESSAGING_MODELS: readonly string[] = [
  ...MESSAGING_PRISMA_MODELS.matchAll(/^model (\w+)/gm),
].map((match) => match[1]);

/** The table names (the models' `@@map`s). */
export const MESSAGING_TABLES: readonly string[] = [
  ...MESSAGING_PRISMA_MODELS.matchAll(/@@map\("([^"]+)"\)/g),
].map((match) => match[1]);
