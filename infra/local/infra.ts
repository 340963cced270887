/**
 * The local infrastructure runner: PostgreSQL, Redis and Apache Kafka (KRaft) on 127.0.0.1, as
 * plain detached processes with their state in the repository's git-ignored .data/ directory.
 *
 *   infraUp()     installs what is missing (apt, Maven), starts what is not running, waits until
 *                 each one really answers, and returns the endpoints. Idempotent.
 *   infraDown()   stops what infraUp started, by recorded pid: Kafka, then Redis, then Postgres.
 *   infraStatus() one row per component.
 *
 * `npm run infra -- up|down|status` (infra/cli/infra.ts) is the command-line face of this module.
 */
import * as fs from 'node:fs';
import { type InfraEndpoints } from './services';
import {
  type BrokerCount,
  HOST,
  type InfraLayout,
  KAFKA_BROKER_BASE_PORT,
  POSTGRES_PASSWORD,
  POSTGRES_PORT,
  POSTGRES_USER,
  REDIS_PORT,
  infraLayout,
  kafkaBrokerAddresses,
} from './infra-paths';
import { ensurePackages } from './infra-apt';
import { type Log, formatElapsed, stderrLog, step } from './progress';
import { acquireLock, inspectPidFile, isPortOpen, listPidFiles } from './process';
import {
  adoptFromPostmasterPid,
  osUser,
  postgresPackageNeeds,
  postgresPaths,
  readyPostgres,
  startPostgres,
  stopPostgres,
} from './postgres';
import { readyRedis, redisPackageNeeds, redisPaths, startRedis, stopRedis } from './redis';
import {
  brokerPort,
  controllerPort,
  ensureKafkaLibs,
  kafkaPackageNeeds,
  kafkaVersion,
  profileFor,
  readyKafka,
  runningKafkaNodes,
  startKafka,
  stopKafka,
} from './kafka';

export type { BrokerCount } from './infra-paths';
export type { Log } from './progress';
export { KAFKA_VERSION } from './kafka';

export interface InfraUpOptions {
  /** Kafka brokers: 1 (default) or 3 (RF 3, min.insync.replicas 2). */
  readonly brokers?: BrokerCount;
  /** Progress lines; defaults to stderr. */
  readonly log?: (line: string) => void;
}

export interface InfraDownOptions {
  readonly log?: (line: string) => void;
}

export interface InfraComponentStatus {
  /** postgres, redis, kafka-1, kafka-2, ... */
  readonly component: string;
  /** Recorded pid, or null when the runner has none (stale pid files count as none). */
  readonly pid: number | null;
  readonly port: number;
  /** The recorded process is alive (and ours) and its port answers. */
  readonly running: boolean;
  readonly logFile?: string;
  /** Extra facts, e.g. "profile=cluster version=4.4.0" or "pid alive, port not answering yet". */
  readonly detail?: string;
}

/** The endpoints for a given broker count (fixed ports; see infra-paths.ts). */
export function infraEndpoints(brokers: BrokerCount = 1): InfraEndpoints {
  return {
    postgres: { host: HOST, port: POSTGRES_PORT, user: POSTGRES_USER, password: POSTGRES_PASSWORD },
    redisUrl: `redis://${HOST}:${REDIS_PORT}`,
    kafkaBrokers: kafkaBrokerAddresses(brokers),
  };
}

function checkBrokers(brokers: unknown): BrokerCount {
  if (brokers === 1 || brokers === 3) return brokers;
  throw new Error(`brokers must be 1 or 3, got ${String(brokers)}`);
}

/** Creates .data/{pids,logs}; .data must stay traversable so the postgres user reaches its cluster. */
function prepareDirs(layout: InfraLayout): void {
  for (const d of [layout.dataDir, layout.pidDir, layout.logDir])
    fs.mkdirSync(d, { recursive: true });
  const mode = fs.statSync(layout.dataDir).mode & 0o777;
  if ((mode & 0o011) !== 0o011) fs.chmodSync(layout.dataDir, mode | 0o055);
}

/** Fails early (before any install or start) when the other Kafka profile is running. */
function assertKafkaProfile(layout: InfraLayout, brokers: BrokerCount): void {
  const live = runningKafkaNodes(layout);
  const other = live.find((r) => r.meta?.profile !== profileFor(brokers));
  if (other) {
    const running = other.meta?.profile === 'cluster' ? 3 : 1;
    throw new Error(
      `Kafka is running with ${running} broker(s) but ${brokers} were asked for; run "npm run infra -- down" first ` +
        `(each profile keeps its own data under .data/kafka/, nothing is lost)`,
    );
  }
}

/**
 * Ports that a component we are about to start needs but something else already holds. Checked
 * before anything starts, so a conflict leaves nothing half-started.
 */
async function portConflicts(layout: InfraLayout, brokers: BrokerCount): Promise<string[]> {
  const conflicts: string[] = [];
  const taken = async (port: number, what: string): Promise<void> => {
    if (await isPortOpen(HOST, port, 500)) conflicts.push(`${HOST}:${port} (${what})`);
  };
  const pg = postgresPaths(layout, osUser('postgres'));
  if (inspectPidFile(pg.pidFile).kind !== 'alive' && adoptFromPostmasterPid(pg) === null) {
    await taken(POSTGRES_PORT, 'PostgreSQL');
  }
  if (inspectPidFile(redisPaths(layout).pidFile).kind !== 'alive') await taken(REDIS_PORT, 'Redis');
  const liveNodes = new Set(runningKafkaNodes(layout).map((r) => r.component));
  for (let n = 1; n <= brokers; n++) {
    if (liveNodes.has(`kafka-${n}`)) continue;
    await taken(brokerPort(n), `Kafka broker ${n}`);
    await taken(controllerPort(n), `Kafka controller ${n}`);
  }
  return conflicts;
}

export async function infraUp(opts: InfraUpOptions = {}): Promise<InfraEndpoints> {
  const log: Log = opts.log ?? stderrLog;
  const brokers = checkBrokers(opts.brokers ?? 1);
  const layout = infraLayout();
  const started = Date.now();
  log(
    `infra up: PostgreSQL, Redis and Kafka ${kafkaVersion()} (${brokers} broker${brokers > 1 ? 's' : ''}) on ${HOST}; state in ${layout.dataDir}`,
  );
  prepareDirs(layout);
  const release = await acquireLock(layout.lockFile, log);
  let startedSomething = false;
  try {
    assertKafkaProfile(layout, brokers);
    const conflicts = await portConflicts(layout, brokers);
    if (conflicts.length) {
      throw new Error(
        `port(s) already taken by processes this runner did not start: ${conflicts.join(', ')}. ` +
          `Stop them (e.g. a system PostgreSQL or redis-server) or free the ports; "ss -ltnp" shows who holds them`,
      );
    }
    await step(log, 'system packages (postgresql, redis-server, java, maven)', () =>
      ensurePackages(
        [...postgresPackageNeeds(), ...redisPackageNeeds(), ...kafkaPackageNeeds()],
        log,
        layout.logDir,
      ),
    );
    await step(log, `Kafka ${kafkaVersion()} jars`, () => ensureKafkaLibs(layout, log));

    // Start all three, then wait for each: the JVM warms up while Postgres bootstraps.
    startedSomething = true;
    const pg = await step(log, 'postgres: start', () => startPostgres(layout, log));
    const redis = await step(log, 'redis: start', () => startRedis(layout, log));
    const kafka = await step(log, `kafka: start (${brokers} broker${brokers > 1 ? 's' : ''})`, () =>
      startKafka(layout, brokers, log),
    );

    await step(log, 'postgres: ready (SELECT 1 as seckill on every service database)', () =>
      readyPostgres(pg, log),
    );
    await step(log, 'redis: ready (PING)', () => readyRedis(redis, log));
    await step(
      log,
      `kafka: ready (describeCluster shows ${brokers} broker${brokers > 1 ? 's' : ''})`,
      () => readyKafka(kafka, log),
    );

    const reused = pg.reused && redis.reused && kafka.reused;
    log(
      `infra up: ${reused ? 'everything was already running' : 'ready'} in ${formatElapsed(Date.now() - started)} ` +
        `(postgres pid ${pg.pid}, redis pid ${redis.pid}, kafka pid ${kafka.pids.join(', ')})`,
    );
    return infraEndpoints(brokers);
  } catch (err) {
    log(
      `infra up: FAILED after ${formatElapsed(Date.now() - started)}` +
        (startedSomething
          ? '; whatever did start keeps running ("npm run infra -- down" stops it)'
          : ''),
    );
    throw err;
  } finally {
    release();
  }
}

export async function infraDown(opts: InfraDownOptions = {}): Promise<void> {
  const log: Log = opts.log ?? stderrLog;
  const layout = infraLayout();
  const started = Date.now();
  log(
    'infra down: stopping Kafka, then Redis, then PostgreSQL (only processes this runner started)',
  );
  prepareDirs(layout);
  const release = await acquireLock(layout.lockFile, log);
  const failures: string[] = [];
  const attempt = async (label: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await step(log, label, fn);
    } catch (err) {
      failures.push(`${label}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  try {
    await attempt('kafka: stop', () => stopKafka(layout, log));
    await attempt('redis: stop', () => stopRedis(layout, log));
    await attempt('postgres: stop', () => stopPostgres(layout, log));
  } finally {
    release();
  }
  if (failures.length) throw new Error(`infra down: ${failures.join('; ')}`);
  log(`infra down: done in ${formatElapsed(Date.now() - started)}`);
}

/** How many Kafka brokers the runner has running now (1 or 3), or null when none runs. */
export function runningKafkaBrokers(): BrokerCount | null {
  const live = runningKafkaNodes(infraLayout());
  if (live.length === 0) return null;
  return live.some((r) => r.meta?.profile === 'cluster') ? 3 : 1;
}

export async function infraStatus(): Promise<InfraComponentStatus[]> {
  const layout = infraLayout();
  const rows: InfraComponentStatus[] = [];
  const row = async (
    component: string,
    pidFile: string,
    port: number,
    logFile: string,
    extra?: string,
  ): Promise<InfraComponentStatus> => {
    const st = inspectPidFile(pidFile);
    const portOpen = await isPortOpen(HOST, port, 500);
    if (st.kind === 'alive') {
      return {
        component,
        pid: st.record.pid,
        port,
        running: portOpen,
        logFile: st.record.logFile ?? logFile,
        detail:
          [portOpen ? undefined : 'pid alive, port not answering', extra]
            .filter(Boolean)
            .join('; ') || undefined,
      };
    }
    const notes = [
      st.kind === 'stale' ? `stale pid file (pid ${st.record.pid} is gone)` : undefined,
      st.kind === 'invalid' ? 'unreadable pid file' : undefined,
      portOpen ? 'port taken by a process the runner did not start' : undefined,
    ].filter(Boolean);
    return {
      component,
      pid: null,
      port,
      running: false,
      logFile,
      ...(notes.length ? { detail: notes.join('; ') } : {}),
    };
  };

  const pg = postgresPaths(layout, osUser('postgres'));
  rows.push(await row('postgres', pg.pidFile, POSTGRES_PORT, pg.logFile));
  const rd = redisPaths(layout);
  rows.push(await row('redis', rd.pidFile, REDIS_PORT, rd.logFile));
  const kafkaFiles = listPidFiles(layout.pidDir, 'kafka-');
  if (kafkaFiles.length === 0) {
    rows.push(
      await row(
        'kafka-1',
        `${layout.pidDir}/kafka-1.pid`,
        KAFKA_BROKER_BASE_PORT,
        `${layout.logDir}/kafka-1/server.log`,
      ),
    );
  }
  for (const file of kafkaFiles) {
    const st = inspectPidFile(file);
    const rec = st.kind === 'alive' || st.kind === 'stale' ? st.record : null;
    const component = rec?.component ?? file.replace(/^.*\//, '').replace(/\.pid$/, '');
    const nodeId = Number(component.replace('kafka-', '')) || 1;
    const extra = rec?.meta
      ? `profile=${rec.meta.profile ?? '?'} version=${rec.meta.version ?? '?'}`
      : undefined;
    rows.push(
      await row(
        component,
        file,
        rec?.port ?? KAFKA_BROKER_BASE_PORT + nodeId - 1,
        `${layout.logDir}/${component}/server.log`,
        extra,
      ),
    );
  }
  return rows;
}
