/**
 * PostgreSQL for the local runner: the Debian package's server binaries, a private cluster under
 * .data/postgres owned by the `postgres` OS user (initdb and postgres refuse to run as root),
 * listening on 127.0.0.1:5432 with its unix socket in .data too. The `seckill` role
 * (LOGIN CREATEDB) owns one database per service in SERVICES.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { SERVICES } from './services';
import {
  HOST,
  type InfraLayout,
  POSTGRES_PASSWORD,
  POSTGRES_PORT,
  POSTGRES_USER,
} from './infra-paths';
import { type PackageNeed } from './infra-apt';
import { type Log, waitUntil } from './progress';
import {
  type PidRecord,
  inspectPidFile,
  isOurProcess,
  isPortOpen,
  pidFilePath,
  removePidFile,
  runCommand,
  lowerPriority,
  spawnDetached,
  stopPids,
  tailLines,
  waitForExit,
  writePidFile,
} from './process';

export const POSTGRES_COMPONENT = 'postgres';
const PG_LIB = '/usr/lib/postgresql';
/** unix sockets have a 108-byte path limit; leave room for "/.s.PGSQL.5432". */
const MAX_SOCKET_DIR_LENGTH = 90;

/** The databases the runner creates: every database named in SERVICES. */
export function serviceDatabases(): string[] {
  return [...new Set(SERVICES.map((s) => s.database).filter((d): d is string => d !== null))];
}

/** Installed server majors, newest first (from /usr/lib/postgresql/<major>/bin/postgres). */
export function installedMajors(libDir: string = PG_LIB): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(libDir);
  } catch {
    return [];
  }
  return entries
    .filter((e) => /^\d+$/.test(e) && fs.existsSync(path.join(libDir, e, 'bin', 'postgres')))
    .map(Number)
    .sort((a, b) => b - a);
}

export function postgresPackageNeeds(): PackageNeed[] {
  return [
    {
      pkg: 'postgresql',
      why: 'PostgreSQL server',
      present: () => installedMajors().length > 0 && osUser('postgres') !== null,
    },
  ];
}

export interface OsUser {
  readonly uid: number;
  readonly gid: number;
}

/** Looks a user up in /etc/passwd. */
export function osUser(name: string, passwd?: string): OsUser | null {
  let text = passwd;
  if (text === undefined) {
    try {
      text = fs.readFileSync('/etc/passwd', 'utf8');
    } catch {
      return null;
    }
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 4) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  return null;
}

export interface StatLike {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

/**
 * The first existing ancestor of `dir` (inclusive) that `user` cannot traverse (no x bit for
 * it as owner, group or other), or null when the whole chain is traversable.
 */
export function untraversableAncestor(
  dir: string,
  user: OsUser,
  stat: (p: string) => StatLike | null = (p) => {
    try {
      return fs.statSync(p);
    } catch {
      return null;
    }
  },
): string | null {
  const chain: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    chain.unshift(d);
    if (d === path.dirname(d)) break;
  }
  for (const d of chain) {
    const st = stat(d);
    if (!st) continue; // not created yet: we create it with the right owner
    const ok =
      st.uid === user.uid
        ? (st.mode & 0o100) !== 0
        : st.gid === user.gid
          ? (st.mode & 0o010) !== 0
          : (st.mode & 0o001) !== 0;
    if (!ok) return d;
  }
  return null;
}

export interface PostgresPaths {
  /** The cluster's base dir (normally .data/postgres). */
  readonly baseDir: string;
  readonly dataDir: string;
  readonly socketDir: string;
  readonly logFile: string;
  readonly pidFile: string;
  /** Why baseDir is not .data/postgres, if it is not. */
  readonly note?: string;
}

export function postgresPaths(layout: InfraLayout, user: OsUser | null): PostgresPaths {
  const preferred = path.join(layout.dataDir, 'postgres');
  let baseDir = preferred;
  let note: string | undefined;
  const blocked = user ? untraversableAncestor(preferred, user) : null;
  if (blocked) {
    const hash = createHash('sha1').update(layout.root).digest('hex').slice(0, 8);
    baseDir = path.join('/var/lib/postgresql', `seckill-${hash}`);
    note = `${blocked} is not traversable by the postgres user, so the cluster lives in ${baseDir}`;
  }
  let socketDir = path.join(baseDir, 'run');
  if (socketDir.length > MAX_SOCKET_DIR_LENGTH) {
    const hash = createHash('sha1').update(baseDir).digest('hex').slice(0, 8);
    socketDir = path.join(os.tmpdir(), `seckill-pg-${hash}`);
  }
  return {
    baseDir,
    dataDir: path.join(baseDir, 'data'),
    socketDir,
    logFile: path.join(layout.logDir, 'postgres.log'),
    pidFile: pidFilePath(layout.pidDir, POSTGRES_COMPONENT),
    ...(note ? { note } : {}),
  };
}

/** Arguments for the postmaster: loopback only, our port and socket dir, log to stderr. */
export function postgresServerArgs(p: {
  dataDir: string;
  socketDir: string;
  port: number;
  host: string;
}): string[] {
  const settings: Array<[string, string]> = [
    ['listen_addresses', p.host],
    ['port', String(p.port)],
    ['unix_socket_directories', p.socketDir],
    ['unix_socket_permissions', '0700'],
    ['logging_collector', 'off'],
    ['log_destination', 'stderr'],
    ['log_line_prefix', '%m [%p] %q%u@%d '],
    ['max_connections', '200'],
    ['shared_buffers', '128MB'],
  ];
  return ['-D', p.dataDir, ...settings.flatMap(([k, v]) => ['-c', `${k}=${v}`])];
}

export function initdbArgs(dataDir: string): string[] {
  return [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '--encoding=UTF8',
    '--locale=C.UTF-8',
  ];
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** SQL that creates or updates the application role (idempotent). */
export function roleSql(user: string, password: string): string[] {
  const role = quoteIdent(user);
  return [
    `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${quoteLiteral(user)}) THEN CREATE ROLE ${role}; END IF; END $$`,
    `ALTER ROLE ${role} WITH LOGIN CREATEDB PASSWORD ${quoteLiteral(password)}`,
  ];
}

/** SQL for one service database given whether it exists (CREATE DATABASE cannot run in a DO block). */
export function databaseSql(database: string, owner: string, exists: boolean): string {
  return exists
    ? `ALTER DATABASE ${quoteIdent(database)} OWNER TO ${quoteIdent(owner)}`
    : `CREATE DATABASE ${quoteIdent(database)} OWNER ${quoteIdent(owner)} ENCODING 'UTF8' TEMPLATE template0`;
}

function binDir(): string {
  const majors = installedMajors();
  if (majors.length === 0)
    throw new Error(`no PostgreSQL server found under ${PG_LIB} (apt package "postgresql")`);
  return path.join(PG_LIB, String(majors[0]), 'bin');
}

function requirePostgresUser(): OsUser {
  const user = osUser('postgres');
  if (!user)
    throw new Error(
      'the "postgres" OS user does not exist (it comes with the apt package "postgresql")',
    );
  return user;
}

function chownR(dir: string, user: OsUser): void {
  fs.chownSync(dir, user.uid, user.gid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) chownR(p, user);
    else fs.lchownSync(p, user.uid, user.gid);
  }
}

function logTail(file: string, lines = 15): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return tailLines(text.slice(-20_000), lines);
  } catch {
    return '';
  }
}

export interface PostgresHandle {
  readonly pid: number;
  readonly reused: boolean;
  readonly paths: PostgresPaths;
}

/** Starts the cluster (initdb on first use) or adopts the running one; does not wait for it. */
export async function startPostgres(layout: InfraLayout, log: Log): Promise<PostgresHandle> {
  const user = requirePostgresUser();
  const paths = postgresPaths(layout, user);
  if (paths.note) log(`postgres: note: ${paths.note}`);

  const state = inspectPidFile(paths.pidFile);
  if (state.kind === 'alive') {
    log(
      `postgres: already running (pid ${state.record.pid}, port ${state.record.port}); reusing it`,
    );
    return { pid: state.record.pid, reused: true, paths };
  }
  if (state.kind === 'stale' || state.kind === 'invalid') {
    log(
      `postgres: removing stale pid file ${paths.pidFile}${state.kind === 'stale' ? ` (pid ${state.record.pid} is gone)` : ''}`,
    );
    removePidFile(paths.pidFile);
  }

  const adopted = adoptFromPostmasterPid(paths);
  if (adopted !== null) {
    log(
      `postgres: found our cluster already running (pid ${adopted} from postmaster.pid); adopting it`,
    );
    writePidFile(paths.pidFile, pidRecord(adopted, paths));
    return { pid: adopted, reused: true, paths };
  }
  if (await isPortOpen(HOST, POSTGRES_PORT)) {
    throw new Error(
      `port ${POSTGRES_PORT} on ${HOST} is already taken by a process this runner did not start ` +
        `(e.g. a system PostgreSQL: stop it, or free the port) — see "ss -ltnp 'sport = :${POSTGRES_PORT}'"`,
    );
  }

  const bin = binDir();
  fs.mkdirSync(paths.baseDir, { recursive: true, mode: 0o755 });
  fs.chownSync(paths.baseDir, user.uid, user.gid);
  fs.mkdirSync(paths.socketDir, { recursive: true, mode: 0o700 });
  fs.chownSync(paths.socketDir, user.uid, user.gid);
  fs.chmodSync(paths.socketDir, 0o700);
  fs.mkdirSync(path.dirname(paths.logFile), { recursive: true });

  const versionFile = path.join(paths.dataDir, 'PG_VERSION');
  const major = path.basename(path.dirname(bin));
  if (!fs.existsSync(versionFile)) {
    if (fs.existsSync(paths.dataDir)) {
      log(`postgres: ${paths.dataDir} has no PG_VERSION (an interrupted initdb?); clearing it`);
      fs.rmSync(paths.dataDir, { recursive: true, force: true });
    }
    fs.mkdirSync(paths.dataDir, { recursive: true, mode: 0o700 });
    chownR(paths.dataDir, user);
    await runCommand(
      'runuser',
      ['-u', 'postgres', '--', path.join(bin, 'initdb'), ...initdbArgs(paths.dataDir)],
      {
        log,
        label: `postgres: initdb (PostgreSQL ${major}) in ${paths.dataDir}`,
        cwd: paths.dataDir,
        logFile: path.join(layout.logDir, 'postgres-initdb.log'),
        timeoutMs: 5 * 60_000,
      },
    );
  } else {
    const dataMajor = fs.readFileSync(versionFile, 'utf8').trim();
    if (dataMajor !== major) {
      throw new Error(
        `${paths.dataDir} holds a PostgreSQL ${dataMajor} cluster but the installed server is ${major}; ` +
          `run "npm run infra -- down" and delete ${paths.baseDir} to start over`,
      );
    }
    chownR(paths.dataDir, user);
  }

  log(`postgres: starting PostgreSQL ${major} on ${HOST}:${POSTGRES_PORT} (log: ${paths.logFile})`);
  const pid = await spawnDetached(
    path.join(bin, 'postgres'),
    postgresServerArgs({
      dataDir: paths.dataDir,
      socketDir: paths.socketDir,
      port: POSTGRES_PORT,
      host: HOST,
    }),
    {
      cwd: paths.dataDir,
      logFile: paths.logFile,
      uid: user.uid,
      gid: user.gid,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        LANG: 'C.UTF-8',
        PGTZ: 'UTC',
        HOME: paths.baseDir,
      },
    },
  );
  // Only the saga and the read model use PostgreSQL; admission never does (Redis, Kafka).
  lowerPriority(pid);
  writePidFile(paths.pidFile, pidRecord(pid, paths));
  return { pid, reused: false, paths };
}

function pidRecord(pid: number, paths: PostgresPaths): PidRecord {
  return {
    component: POSTGRES_COMPONENT,
    pid,
    port: POSTGRES_PORT,
    marker: paths.dataDir,
    startedAt: new Date().toISOString(),
    logFile: paths.logFile,
  };
}

/** The postmaster of OUR data dir, if one runs (first line of postmaster.pid, argv naming the dir). */
export function adoptFromPostmasterPid(paths: PostgresPaths): number | null {
  try {
    const pid = Number(
      fs.readFileSync(path.join(paths.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    return isOurProcess(pid, paths.dataDir) ? pid : null;
  } catch {
    return null;
  }
}

/** Waits until the server answers, creates the role and databases, and checks each as seckill. */
export async function readyPostgres(handle: PostgresHandle, log: Log): Promise<void> {
  const { paths } = handle;
  await waitUntil(
    log,
    `postgres to accept connections on ${HOST}:${POSTGRES_PORT}`,
    async () => {
      const client = new Client({
        host: paths.socketDir,
        port: POSTGRES_PORT,
        user: 'postgres',
        database: 'postgres',
      });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        return { ready: true };
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    {
      timeoutMs: 90_000,
      abortIf: () =>
        isOurProcess(handle.pid, paths.dataDir)
          ? undefined
          : `the server (pid ${handle.pid}) exited; last lines of ${paths.logFile}:\n${logTail(paths.logFile)}`,
    },
  );

  const admin = new Client({
    host: paths.socketDir,
    port: POSTGRES_PORT,
    user: 'postgres',
    database: 'postgres',
  });
  await admin.connect();
  try {
    for (const sql of roleSql(POSTGRES_USER, POSTGRES_PASSWORD)) await admin.query(sql);
    const existing = new Set(
      (await admin.query<{ datname: string }>('SELECT datname FROM pg_database')).rows.map(
        (r) => r.datname,
      ),
    );
    const created: string[] = [];
    for (const db of serviceDatabases()) {
      await admin.query(databaseSql(db, POSTGRES_USER, existing.has(db)));
      if (!existing.has(db)) created.push(db);
    }
    log(
      `postgres: role ${POSTGRES_USER} ready; databases ${serviceDatabases().join(', ')}` +
        (created.length ? ` (created: ${created.join(', ')})` : ' (all existed)'),
    );
  } finally {
    await admin.end().catch(() => undefined);
  }

  for (const db of serviceDatabases()) {
    const client = new Client({
      host: HOST,
      port: POSTGRES_PORT,
      user: POSTGRES_USER,
      password: POSTGRES_PASSWORD,
      database: db,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
    } catch (err) {
      throw new Error(
        `postgres: ${POSTGRES_USER}@${db} cannot run SELECT 1: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  log(`postgres: SELECT 1 as ${POSTGRES_USER} works on ${serviceDatabases().length} database(s)`);
}

/** Stops the cluster this runner started (pg_ctl stop -m fast, then the pid as a fallback). */
export async function stopPostgres(layout: InfraLayout, log: Log): Promise<void> {
  const user = osUser('postgres');
  const paths = postgresPaths(layout, user);
  const state = inspectPidFile(paths.pidFile);
  if (state.kind !== 'alive') {
    if (state.kind !== 'none') {
      log(`postgres: not running (removing stale pid file)`);
      removePidFile(paths.pidFile);
    } else {
      log('postgres: not running');
    }
    return;
  }
  const { pid } = state.record;
  log(`postgres: stopping pid ${pid} (pg_ctl stop -m fast)`);
  let stopped = false;
  const majors = installedMajors();
  if (user && majors.length) {
    try {
      await runCommand(
        'runuser',
        [
          '-u',
          'postgres',
          '--',
          path.join(binDir(), 'pg_ctl'),
          'stop',
          '-D',
          paths.dataDir,
          '-m',
          'fast',
          '-w',
          '-t',
          '60',
        ],
        { log, label: 'postgres: pg_ctl stop', timeoutMs: 90_000 },
      );
      // pg_ctl returns once postmaster.pid is gone; the process itself exits a moment later.
      stopped = (await waitForExit([pid], 15_000, log, 'postgres')).length === 0;
    } catch (err) {
      log(
        `postgres: pg_ctl stop failed (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); signalling pid ${pid}`,
      );
    }
  }
  if (!stopped)
    stopped = await stopPids([pid], {
      log,
      label: 'postgres',
      timeoutMs: 30_000,
      signal: 'SIGINT',
    });
  if (!stopped) throw new Error(`postgres: pid ${pid} would not exit`);
  removePidFile(paths.pidFile);
  log('postgres: stopped');
}
