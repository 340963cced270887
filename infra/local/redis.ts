/**
 * Redis for the local runner: the Debian package's redis-server with a rendered config (loopback
 * only, AOF on with appendfsync everysec, data in .data/redis), run in the foreground of its own
 * detached session so the runner knows its pid.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Redis from 'ioredis';
import { HOST, type InfraLayout, REDIS_PORT } from './infra-paths';
import { type PackageNeed } from './infra-apt';
import { type Log, waitUntil } from './progress';
import {
  inspectPidFile,
  isOurProcess,
  isPortOpen,
  pidFilePath,
  removePidFile,
  spawnDetached,
  stopPids,
  tailLines,
  which,
  writePidFile,
} from './process';

export const REDIS_COMPONENT = 'redis';
/** redis-server rewrites its process title to "<binary> <addr>:<port>", so that is what we match. */
export const REDIS_MARKER = `redis-server`;

export function redisPackageNeeds(): PackageNeed[] {
  return [{ pkg: 'redis-server', why: 'Redis', present: () => which('redis-server') !== null }];
}

export interface RedisConfig {
  readonly host: string;
  readonly port: number;
  readonly dir: string;
}

/** The redis.conf the runner writes. Durable enough for a shop: AOF with a once-a-second fsync. */
export function renderRedisConf(c: RedisConfig): string {
  return [
    '# Written by infra/local/redis.ts on every start; edit that file, not this one.',
    `bind ${c.host}`,
    `port ${c.port}`,
    'protected-mode yes',
    'daemonize no',
    'supervised no',
    'logfile ""',
    'loglevel notice',
    `dir ${c.dir}`,
    'dbfilename dump.rdb',
    // No RDB snapshots: the AOF is the durability, and during a sale the snapshot rules would fork
    // and write the whole dataset every minute on the cores the hot path needs.
    'save ""',
    'appendonly yes',
    'appendfilename "appendonly.aof"',
    'appendfsync everysec',
    'aof-use-rdb-preamble yes',
    'databases 16',
    'maxclients 10000',
    '',
  ].join('\n');
}

export interface RedisPaths {
  readonly dir: string;
  readonly confFile: string;
  readonly logFile: string;
  readonly pidFile: string;
}

export function redisPaths(layout: InfraLayout): RedisPaths {
  const dir = path.join(layout.dataDir, 'redis');
  return {
    dir,
    confFile: path.join(dir, 'redis.conf'),
    logFile: path.join(layout.logDir, 'redis.log'),
    pidFile: pidFilePath(layout.pidDir, REDIS_COMPONENT),
  };
}

export interface RedisHandle {
  readonly pid: number;
  readonly reused: boolean;
  readonly paths: RedisPaths;
}

export async function startRedis(layout: InfraLayout, log: Log): Promise<RedisHandle> {
  const paths = redisPaths(layout);
  const state = inspectPidFile(paths.pidFile);
  if (state.kind === 'alive') {
    log(`redis: already running (pid ${state.record.pid}, port ${state.record.port}); reusing it`);
    return { pid: state.record.pid, reused: true, paths };
  }
  if (state.kind === 'stale' || state.kind === 'invalid') {
    log(
      `redis: removing stale pid file ${paths.pidFile}${state.kind === 'stale' ? ` (pid ${state.record.pid} is gone)` : ''}`,
    );
    removePidFile(paths.pidFile);
  }
  if (await isPortOpen(HOST, REDIS_PORT)) {
    throw new Error(
      `port ${REDIS_PORT} on ${HOST} is already taken by a process this runner did not start ` +
        `(e.g. a system redis-server: stop it, or free the port) — see "ss -ltnp 'sport = :${REDIS_PORT}'"`,
    );
  }
  const bin = which('redis-server');
  if (!bin) throw new Error('redis-server is not installed (apt package "redis-server")');
  fs.mkdirSync(paths.dir, { recursive: true });
  fs.writeFileSync(
    paths.confFile,
    renderRedisConf({ host: HOST, port: REDIS_PORT, dir: paths.dir }),
  );
  log(
    `redis: starting on ${HOST}:${REDIS_PORT}, AOF everysec in ${paths.dir} (log: ${paths.logFile})`,
  );
  const pid = await spawnDetached(bin, [paths.confFile], {
    cwd: paths.dir,
    logFile: paths.logFile,
  });
  writePidFile(paths.pidFile, {
    component: REDIS_COMPONENT,
    pid,
    port: REDIS_PORT,
    marker: REDIS_MARKER,
    startedAt: new Date().toISOString(),
    logFile: paths.logFile,
  });
  return { pid, reused: false, paths };
}

/** A short-lived ioredis client that fails fast instead of reconnecting forever. */
export function probeClient(url = `redis://${HOST}:${REDIS_PORT}`): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2_000,
  });
  client.on('error', () => undefined);
  return client;
}

export async function readyRedis(handle: RedisHandle, log: Log): Promise<void> {
  const { paths } = handle;
  await waitUntil(
    log,
    `redis to answer PING on ${HOST}:${REDIS_PORT}`,
    async () => {
      const client = probeClient();
      try {
        await client.connect();
        const pong = await client.ping();
        if (pong !== 'PONG') return { ready: false, detail: `PING answered ${pong}` };
        const loading = /loading:1/.test(await client.info('persistence'));
        return loading ? { ready: false, detail: 'loading the AOF' } : { ready: true };
      } finally {
        client.disconnect();
      }
    },
    {
      timeoutMs: 60_000,
      intervalMs: 200,
      abortIf: () =>
        isOurProcess(handle.pid, REDIS_MARKER)
          ? undefined
          : `redis-server (pid ${handle.pid}) exited; last lines of ${paths.logFile}:\n${logTail(paths.logFile)}`,
    },
  );
  // A Redis we reuse may predate the current config: enforce the durability settings.
  const client = probeClient();
  try {
    await client.connect();
    const [, appendonly] = (await client.config('GET', 'appendonly')) as string[];
    const [, fsync] = (await client.config('GET', 'appendfsync')) as string[];
    if (appendonly !== 'yes') await client.config('SET', 'appendonly', 'yes');
    if (fsync !== 'everysec') await client.config('SET', 'appendfsync', 'everysec');
    log(
      `redis: PONG; appendonly=yes appendfsync=everysec${appendonly !== 'yes' || fsync !== 'everysec' ? ' (fixed up)' : ''}`,
    );
  } finally {
    client.disconnect();
  }
}

export async function stopRedis(layout: InfraLayout, log: Log): Promise<void> {
  const paths = redisPaths(layout);
  const state = inspectPidFile(paths.pidFile);
  if (state.kind !== 'alive') {
    log(
      state.kind === 'none' ? 'redis: not running' : 'redis: not running (removing stale pid file)',
    );
    removePidFile(paths.pidFile);
    return;
  }
  const { pid } = state.record;
  log(`redis: stopping pid ${pid} (SIGTERM: flushes the AOF and exits)`);
  const ok = await stopPids([pid], { log, label: 'redis', timeoutMs: 30_000 });
  if (!ok) throw new Error(`redis: pid ${pid} would not exit`);
  removePidFile(paths.pidFile);
  log('redis: stopped');
}

function logTail(file: string): string {
  try {
    return tailLines(fs.readFileSync(file, 'utf8').slice(-20_000), 15);
  } catch {
    return '';
  }
}
