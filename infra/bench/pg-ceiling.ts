/**
 * The Postgres ceiling: `pgbench` running the transaction inventory-service does per order —
 * the conditional decrement of the sale's stock row (`… WHERE available >= 1`) plus a reservation
 * row, committed — against a scratch database created for the run and dropped after it. One sale
 * row for every client: a flash sale is one hot row, and that row's lock is the ceiling.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { runCommand } from '../local/process';
import { percentileOfSorted } from './percentile';

export const PG_SCHEMA_SQL = `
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE TABLE sale_stock (
  sale_id       uuid PRIMARY KEY,
  initial_stock integer NOT NULL CHECK (initial_stock >= 0),
  available     integer NOT NULL CHECK (available >= 0),
  reserved      integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
  released      integer NOT NULL DEFAULT 0 CHECK (released >= 0),
  created_at    timestamptz(3) NOT NULL DEFAULT now(),
  updated_at    timestamptz(3) NOT NULL DEFAULT now()
);
CREATE TABLE reservation (
  order_id   uuid PRIMARY KEY,
  sale_id    uuid NOT NULL REFERENCES sale_stock (sale_id),
  quantity   integer NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
INSERT INTO sale_stock (sale_id, initial_stock, available)
VALUES ('00000000-0000-4000-8000-000000000001', 2000000000, 2000000000);
`;

/** The pgbench script: one inventory confirmation. */
export const PG_TRANSACTION_SQL = `-- one inventory confirmation: conditional decrement of the hot sale row + a reservation row
BEGIN;
UPDATE sale_stock SET available = available - 1, reserved = reserved + 1, updated_at = now()
  WHERE sale_id = '00000000-0000-4000-8000-000000000001' AND available >= 1;
INSERT INTO reservation (order_id, sale_id, quantity)
  VALUES (gen_random_uuid(), '00000000-0000-4000-8000-000000000001', 1);
COMMIT;
`;

export interface PgConnection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

export interface PgCeiling {
  readonly tps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly transactions: number;
  readonly clients: number;
  readonly durationSec: number;
  readonly command: string;
  readonly serverVersion: string;
}

/** `tps = 1234.567890 (without initial connection time)` → 1234.57 */
export function parsePgbenchTps(output: string): number {
  const m = /tps = ([\d.]+) \(without initial connection time\)/.exec(output);
  if (!m) throw new Error(`pgbench printed no tps line:\n${output.slice(-1000)}`);
  return Number(m[1]);
}

/**
 * Latencies (ms, ascending) from pgbench transaction logs (`-l`): each line is
 * `client_id transaction_no time_us script_no time_epoch time_us_frac`.
 */
export function parsePgbenchLog(text: string): number[] {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts.length < 3) continue;
    const us = Number(parts[2]);
    if (Number.isFinite(us)) out.push(us / 1000);
  }
  return out;
}

export interface PgCeilingOptions {
  readonly conn: PgConnection;
  readonly clients: number;
  readonly threads: number;
  readonly durationSec: number;
  readonly log: (line: string) => void;
}

export async function measurePgCeiling(opts: PgCeilingOptions): Promise<PgCeiling> {
  const { conn } = opts;
  const db = `seckill_bench_${process.pid}_${Date.now().toString(36)}`;
  const admin = new Client({ ...conn, database: 'postgres' });
  await admin.connect();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seckill-pgbench-'));
  try {
    const version = await admin.query<{ server_version: string }>('SHOW server_version');
    await admin.query(`CREATE DATABASE ${db}`);
    opts.log(`  scratch database ${db} created`);
    try {
      const scratch = new Client({ ...conn, database: db });
      await scratch.connect();
      try {
        await scratch.query(PG_SCHEMA_SQL);
      } finally {
        await scratch.end();
      }
      const script = path.join(dir, 'confirm.sql');
      fs.writeFileSync(script, PG_TRANSACTION_SQL);
      const args = [
        '-h', conn.host,
        '-p', String(conn.port),
        '-U', conn.user,
        '-n', // no vacuum of pgbench's own tables (there are none)
        '-M', 'prepared',
        '-c', String(opts.clients),
        '-j', String(opts.threads),
        '-T', String(Math.round(opts.durationSec)),
        '-l',
        '-f', 'confirm.sql', // in cwd (the temporary directory)
        db,
      ]; // prettier-ignore
      const command = `pgbench ${args.join(' ')}`;
      const result = await runCommand('pgbench', args, {
        log: opts.log,
        label: command.replace(db, '<scratch db>'),
        cwd: dir,
        env: { ...process.env, PGPASSWORD: conn.password },
        timeoutMs: (opts.durationSec + 60) * 1000,
      });
      const output = `${result.stdout}\n${result.stderr}`;
      const tps = parsePgbenchTps(output);
      const latencies: number[] = [];
      for (const f of fs.readdirSync(dir).filter((n) => n.startsWith('pgbench_log')))
        latencies.push(...parsePgbenchLog(fs.readFileSync(path.join(dir, f), 'utf8')));
      latencies.sort((a, b) => a - b);
      return {
        tps,
        p50Ms: percentileOfSorted(latencies, 50),
        p99Ms: percentileOfSorted(latencies, 99),
        transactions: latencies.length,
        clients: opts.clients,
        durationSec: opts.durationSec,
        command: command.replace(db, '<scratch db>'),
        serverVersion: version.rows[0]?.server_version ?? '?',
      };
    } finally {
      await dropDatabase(admin, db);
      opts.log(`  scratch database ${db} dropped`);
    }
  } finally {
    await admin.end();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** DROP DATABASE, retried while pgbench's (or autovacuum's) last sessions are still leaving. */
async function dropDatabase(admin: Client, db: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${db}`);
      return;
    } catch (err) {
      if (attempt >= 20)
        throw new Error(
          `could not drop the scratch database ${db} (${(err as Error).message}); drop it by hand: DROP DATABASE ${db}`,
          { cause: err },
        );
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
