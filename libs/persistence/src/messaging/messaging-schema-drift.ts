import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  MESSAGING_MIGRATIONS,
  MESSAGING_PRISMA_MODELS,
  MESSAGING_TABLES,
  type MessagingMigration,
} from './messaging-schema';

/**
 * Compares each service's copy of the messaging tables (its schema.prisma and the DDL its
 * migrations apply) with the one definition in `messaging-schema.ts`, and says where they drift.
 * Offline and read-only: no database, no schema engine (`npm run db:migrate -- check` is the
 * database-backed check that a service's migrations and schema.prisma agree with each other).
 */

/** One service's Prisma project, as read from `apps/<service>/prisma`. */
export interface ServicePrismaSources {
  readonly service: string;
  /** Path of schema.prisma, for messages (relative to the repository, say). */
  readonly schemaPath: string;
  readonly schema: string;
  /** `<migrations>/<name>/migration.sql`, in the order Prisma applies them (by name). */
  readonly migrations: readonly {
    readonly name: string;
    readonly path: string;
    readonly sql: string;
  }[];
}

/** Every `<appsDir>/<service>/prisma/schema.prisma` with its migrations, services by name. */
export function readServicePrismaSources(
  appsDir: string,
  displayRoot = appsDir,
): ServicePrismaSources[] {
  const display = (path: string) =>
    path.startsWith(`${displayRoot}/`) ? path.slice(displayRoot.length + 1) : path;
  return readdirSync(appsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .filter((service) => existsSync(join(appsDir, service, 'prisma', 'schema.prisma')))
    .map((service) => {
      const schemaPath = join(appsDir, service, 'prisma', 'schema.prisma');
      const migrationsDir = join(appsDir, service, 'prisma', 'migrations');
      const names = existsSync(migrationsDir)
        ? readdirSync(migrationsDir, { withFileTypes: true })
            .filter((entry) => entry.isDirectory())
            .map((entry) => entry.name)
            // The order readMigrationsDirectory (and so the engine) applies them in.
            .sort((a, b) => a.localeCompare(b))
        : [];
      return {
        service,
        schemaPath: display(schemaPath),
        schema: readFileSync(schemaPath, 'utf8'),
        migrations: names.map((name) => {
          const path = join(migrationsDir, name, 'migration.sql');
          return { name, path: display(path), sql: readFileSync(path, 'utf8') };
        }),
      };
    });
}

/** Drift of every service from the one definition; empty when all agree. */
export function messagingSchemaDrift(services: readonly ServicePrismaSources[]): string[] {
  return services.flatMap((sources) => [
    ...prismaModelDrift(sources),
    ...migrationDdlDrift(sources),
  ]);
}

// ---------------------------------------------------------------------------------------------
// schema.prisma

/** A top-level block of a Prisma schema (`model X { … }` etc.) with its `///` doc comment. */
export interface PrismaBlock {
  readonly kind: string;
  readonly name: string;
  /** 1-based line of the block's first line (its doc comment's, if it has one). */
  readonly line: number;
  readonly lines: readonly string[];
}

const BLOCK_START = /^\s*(model|enum|view|type|generator|datasource)\s+(\w+)\s*\{/;

/** The schema's top-level blocks, in file order. */
export function prismaBlocks(schema: string): PrismaBlock[] {
  const lines = schema.split(/\r?\n/);
  const blocks: PrismaBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = BLOCK_START.exec(lines[i]);
    if (!start) continue;
    let first = i;
    while (first > 0 && lines[first - 1].trim().startsWith('///')) first--;
    let end = i;
    while (end < lines.length - 1 && lines[end].trim() !== '}') end++;
    blocks.push({
      kind: start[1],
      name: start[2],
      line: first + 1,
      lines: lines.slice(first, end + 1),
    });
    i = end;
  }
  return blocks;
}

/** A line as compared: trimmed, inner whitespace collapsed; blank lines are dropped. */
function normalisedLines(block: PrismaBlock): { line: number; text: string }[] {
  return block.lines
    .map((text, index) => ({ line: block.line + index, text: text.trim().replace(/\s+/g, ' ') }))
    .filter((entry) => entry.text !== '');
}

function prismaModelDrift({ service, schemaPath, schema }: ServicePrismaSources): string[] {
  const problems: string[] = [];
  const blocks = prismaBlocks(schema);
  const canonical = prismaBlocks(MESSAGING_PRISMA_MODELS);
  for (const expected of canonical) {
    const found = blocks.filter(
      (block) => block.kind === expected.kind && block.name === expected.name,
    );
    if (found.length !== 1) {
      problems.push(
        `${service}: ${schemaPath} has ${found.length} \`${expected.kind} ${expected.name}\` blocks, expected 1 ` +
          '(copy it from MESSAGING_PRISMA_MODELS, libs/persistence/src/messaging/messaging-schema.ts)',
      );
      continue;
    }
    const want = normalisedLines(expected);
    const got = normalisedLines(found[0]);
    for (let i = 0; i < Math.max(want.length, got.length); i++) {
      if (want[i]?.text === got[i]?.text) continue;
      const where = got[i]
        ? `${schemaPath}:${got[i].line}`
        : `${schemaPath}:${found[0].line + found[0].lines.length - 1}`;
      problems.push(
        `${service}: \`${expected.kind} ${expected.name}\` drifted from MESSAGING_PRISMA_MODELS at ${where}\n` +
          `    expected: ${want[i]?.text ?? '(end of block)'}\n` +
          `    found:    ${got[i]?.text ?? '(end of block)'}`,
      );
      break;
    }
  }
  // A second model on the same tables (under another name) is drift too.
  const names = new Set(canonical.map((block) => block.name));
  for (const block of blocks) {
    if (names.has(block.name)) continue;
    const map = block.lines.join('\n').match(/@@map\(\s*"([^"]+)"\s*\)/);
    if (map && MESSAGING_TABLES.includes(map[1])) {
      problems.push(
        `${service}: ${schemaPath}:${block.line} \`${block.kind} ${block.name}\` maps to messaging table "${map[1]}"`,
      );
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// migrations

/** A SQL statement: tokens to compare (unquoted words lower-cased) and its text to show. */
export interface SqlStatement {
  readonly tokens: readonly string[];
  readonly text: string;
  /** Identifiers (unquoted ones lower-cased, as PostgreSQL folds them; quotes removed). */
  readonly identifiers: readonly string[];
}

/**
 * Splits a PostgreSQL script into statements on `;`, skipping comments and not splitting inside
 * strings, quoted identifiers or dollar-quoted bodies. Whitespace and comments do not count:
 * two statements are the same when their tokens are.
 */
export function sqlStatements(sql: string): SqlStatement[] {
  const statements: SqlStatement[] = [];
  let tokens: string[] = [];
  let identifiers: string[] = [];
  let text = '';
  const finish = () => {
    if (tokens.length > 0) {
      statements.push({ tokens, identifiers, text: text.replace(/\s+/g, ' ').trim() });
    }
    tokens = [];
    identifiers = [];
    text = '';
  };
  let i = 0;
  while (i < sql.length) {
    const rest = sql.slice(i);
    const char = sql[i];
    if (/\s/.test(char)) {
      text += ' ';
      i++;
    } else if (rest.startsWith('--')) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
    } else if (rest.startsWith('/*')) {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
      text += ' ';
    } else if (char === ';') {
      finish();
      i++;
    } else {
      const token = quoted(sql, i) ?? (/^[A-Za-z_][\w$]*|^\d+(\.\d+)?/.exec(rest)?.[0] || char);
      if (token.startsWith('"')) identifiers.push(token.slice(1, -1).replace(/""/g, '"'));
      else if (/^[A-Za-z_]/.test(token)) identifiers.push(token.toLowerCase());
      tokens.push(/^[A-Za-z_]/.test(token) ? token.toLowerCase() : token);
      text += token;
      i += token.length;
    }
  }
  finish();
  return statements;
}

/** The quoted token starting at `i` ('…', "…" or $tag$…$tag$), or null. */
function quoted(sql: string, i: number): string | null {
  const char = sql[i];
  if (char === "'" || char === '"') {
    let end = i + 1;
    for (;;) {
      end = sql.indexOf(char, end);
      if (end === -1) return sql.slice(i);
      if (sql[end + 1] !== char) return sql.slice(i, end + 1);
      end += 2; // a doubled quote is an escaped one
    }
  }
  const tag = /^\$([A-Za-z_]\w*)?\$/.exec(sql.slice(i));
  if (tag) {
    const end = sql.indexOf(tag[0], i + tag[0].length);
    return end === -1 ? sql.slice(i) : sql.slice(i, end + tag[0].length);
  }
  return null;
}

/** Whether a statement touches a messaging table (by name, or an index/constraint named after it). */
export function touchesMessagingTables(statement: SqlStatement): boolean {
  return statement.identifiers.some((identifier) =>
    MESSAGING_TABLES.some((table) => identifier === table || identifier.startsWith(`${table}_`)),
  );
}

function migrationDdlDrift(
  { service, migrations }: ServicePrismaSources,
  steps: readonly MessagingMigration[] = MESSAGING_MIGRATIONS,
): string[] {
  const expected = steps.flatMap((step) =>
    sqlStatements(step.sql).map((statement) => ({ statement, from: `step "${step.name}"` })),
  );
  const applied = migrations.flatMap((migration) =>
    sqlStatements(migration.sql)
      .filter(touchesMessagingTables)
      .map((statement) => ({ statement, from: migration.path })),
  );
  for (let i = 0; i < Math.max(expected.length, applied.length); i++) {
    const want = expected[i];
    const got = applied[i];
    if (want && got && sameTokens(want.statement.tokens, got.statement.tokens)) continue;
    const header = `${service}: the messaging DDL its migrations apply drifted from MESSAGING_MIGRATIONS`;
    if (!got) {
      return [
        `${header}: no migration applies\n    ${want.statement.text}\n` +
          `    (MESSAGING_MIGRATIONS ${want.from}; add a migration to ${service})`,
      ];
    }
    if (!want) {
      return [
        `${header}: ${got.from} applies\n    ${got.statement.text}\n` +
          '    which MESSAGING_MIGRATIONS does not have (add it there as a new step, or drop it here)',
      ];
    }
    return [
      `${header}: ${got.from} applies\n    ${got.statement.text}\n` +
        `    where MESSAGING_MIGRATIONS ${want.from} has\n    ${want.statement.text}\n` +
        `    first difference: ${firstDifference(want.statement.tokens, got.statement.tokens)}`,
    ];
  }
  return [];
}

function sameTokens(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((token, i) => token === b[i]);
}

function firstDifference(want: readonly string[], got: readonly string[]): string {
  let i = 0;
  while (i < want.length && i < got.length && want[i] === got[i]) i++;
  const around = (tokens: readonly string[]) =>
    tokens.slice(Math.max(0, i - 3), i + 4).join(' ') || '(nothing)';
  return `expected …${around(want)}… found …${around(got)}…`;
}
