/**
 * Apache Kafka for the local runner: the broker jars from Maven Central (fetched once by Maven into
 * .cache/kafka-<version>/libs), run on the JVM in KRaft mode, each node a combined
 * broker+controller. Profiles: "single" (1 node, RF 1) and "cluster" (3 nodes, RF 3,
 * min.insync.replicas 2); each keeps its own data dir, so switching needs only `infra down`.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import {
  type BrokerCount,
  HOST,
  type InfraLayout,
  KAFKA_BROKER_BASE_PORT,
  KAFKA_CONTROLLER_BASE_PORT,
  kafkaBrokerAddresses,
} from './infra-paths';
import { type PackageNeed } from './infra-apt';
import { type Log, waitUntil } from './progress';
import {
  type PidRecord,
  inspectPidFile,
  isOurProcess,
  isPortOpen,
  listPidFiles,
  pidFilePath,
  removePidFile,
  runCommand,
  spawnDetached,
  stopPids,
  tailLines,
  which,
  writePidFile,
} from './process';

/**
 * The pinned broker version: the newest Kafka line proven to work with kafkajs 2.2.4 (admin,
 * idempotent producer with acks -1, consumer groups with manual commits, fetchOffsets,
 * ListOffsets, transactions; see infra/kafka/kafkajs-compat.ts and infra/README.md).
 */
export const KAFKA_VERSION = '4.4.0';
/** Override for compatibility checks against other versions only. */
export const KAFKA_VERSION_ENV = 'SECKILL_KAFKA_VERSION';
export const KAFKA_HEAP = '512m';

export type KafkaProfile = 'single' | 'cluster';

export function kafkaVersion(): string {
  const v = process.env[KAFKA_VERSION_ENV];
  if (v !== undefined && v !== '') {
    if (!/^\d+\.\d+\.\d+$/.test(v))
      throw new Error(`${KAFKA_VERSION_ENV}="${v}" is not a version like 4.4.0`);
    return v;
  }
  return KAFKA_VERSION;
}

export function profileFor(brokers: BrokerCount): KafkaProfile {
  return brokers === 3 ? 'cluster' : 'single';
}

export function brokersFor(profile: KafkaProfile): BrokerCount {
  return profile === 'cluster' ? 3 : 1;
}

export function kafkaPackageNeeds(): PackageNeed[] {
  return [
    {
      pkg: 'openjdk-17-jre-headless',
      why: 'Java for the Kafka broker',
      present: () => which('java') !== null,
    },
    {
      pkg: 'maven',
      why: 'fetching the Kafka jars from Maven Central',
      present: () => which('mvn') !== null,
    },
  ];
}

export interface KafkaNodeConfig {
  readonly nodeId: number;
  readonly brokers: BrokerCount;
  readonly host: string;
  readonly logDirs: string;
}

export function brokerPort(nodeId: number): number {
  return KAFKA_BROKER_BASE_PORT + nodeId - 1;
}

export function controllerPort(nodeId: number): number {
  return KAFKA_CONTROLLER_BASE_PORT + nodeId - 1;
}

/** server.properties for one combined broker+controller node of a 1- or 3-node KRaft cluster. */
export function renderServerProperties(c: KafkaNodeConfig): string {
  const rf = c.brokers;
  const minIsr = c.brokers === 3 ? 2 : 1;
  const voters = Array.from(
    { length: c.brokers },
    (_, i) => `${i + 1}@${c.host}:${controllerPort(i + 1)}`,
  ).join(',');
  const props: Array<[string, string | number | boolean]> = [
    ['process.roles', 'broker,controller'],
    ['node.id', c.nodeId],
    ['controller.quorum.voters', voters],
    [
      'listeners',
      `PLAINTEXT://${c.host}:${brokerPort(c.nodeId)},CONTROLLER://${c.host}:${controllerPort(c.nodeId)}`,
    ],
    ['advertised.listeners', `PLAINTEXT://${c.host}:${brokerPort(c.nodeId)}`],
    ['controller.listener.names', 'CONTROLLER'],
    ['inter.broker.listener.name', 'PLAINTEXT'],
    ['listener.security.protocol.map', 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT'],
    ['log.dirs', c.logDirs],
    // Topics are provisioned explicitly by the project; a typo must not create one.
    ['auto.create.topics.enable', false],
    ['num.partitions', 1],
    ['default.replication.factor', rf],
    ['min.insync.replicas', minIsr],
    ['offsets.topic.replication.factor', rf],
    ['offsets.topic.num.partitions', 10],
    ['transaction.state.log.replication.factor', rf],
    ['transaction.state.log.min.isr', minIsr],
    ['transaction.state.log.num.partitions', 10],
    ['share.coordinator.state.topic.replication.factor', rf],
    ['share.coordinator.state.topic.min.isr', minIsr],
    ['unclean.leader.election.enable', false],
    // Local development and tests: consumers join at once instead of after 3 s.
    ['group.initial.rebalance.delay.ms', 0],
    ['num.network.threads', 2],
    ['num.io.threads', 4],
    ['num.recovery.threads.per.data.dir', 1],
    ['log.retention.hours', 168],
    ['log.segment.bytes', 268435456],
  ];
  return [
    '# Written by infra/local/kafka.ts on every start; edit that file, not this one.',
    ...props.map(([k, v]) => `${k}=${String(v)}`),
    '',
  ].join('\n');
}

/**
 * A Kafka cluster id: 16 random bytes, base64url without padding (what `kafka-storage random-uuid`
 * prints). Like Kafka's own `Uuid.randomUuid`, it never starts with "-": a command line would read
 * such an id as an option (1 draw in 64 did, and `kafka-storage format` failed on a fresh machine).
 */
export function newClusterId(draw: () => Buffer = () => randomBytes(16)): string {
  for (;;) {
    const id = draw().toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** `kafka-storage format`'s arguments; idempotent (`--ignore-formatted`). */
export function storageFormatArgs(clusterId: string, propsFile: string): string[] {
  // "--cluster-id=<id>", one argument: an id saved by an older runner may start with "-".
  return ['format', `--cluster-id=${clusterId}`, '--config', propsFile, '--ignore-formatted'];
}

export function javaArgs(opts: {
  libsDir: string;
  log4jConfig: string;
  logsDir: string;
  mainClass: string;
  heap?: string;
  args: readonly string[];
}): string[] {
  const heap = opts.heap ?? KAFKA_HEAP;
  return [
    `-Xms${heap === KAFKA_HEAP ? '256m' : heap}`,
    `-Xmx${heap}`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${opts.log4jConfig}`,
    `-Dkafka.logs.dir=${opts.logsDir}`,
    '-cp',
    `${opts.libsDir}/*`,
    opts.mainClass,
    ...opts.args,
  ];
}

export interface KafkaPaths {
  readonly libsDir: string;
  readonly profileDir: string;
  readonly clusterIdFile: string;
  nodeDir(nodeId: number): string;
  propsFile(nodeId: number): string;
  dataDir(nodeId: number): string;
  logsDir(nodeId: number): string;
  outFile(nodeId: number): string;
  pidFile(nodeId: number): string;
}

export function kafkaPaths(
  layout: InfraLayout,
  profile: KafkaProfile,
  version: string = kafkaVersion(),
): KafkaPaths {
  const profileDir = path.join(layout.dataDir, 'kafka', profile);
  return {
    libsDir: path.join(layout.cacheDir, `kafka-${version}`, 'libs'),
    profileDir,
    clusterIdFile: path.join(profileDir, 'cluster.id'),
    nodeDir: (n) => path.join(profileDir, `node-${n}`),
    propsFile: (n) => path.join(profileDir, `node-${n}`, 'server.properties'),
    dataDir: (n) => path.join(profileDir, `node-${n}`, 'data'),
    logsDir: (n) => path.join(layout.logDir, `kafka-${n}`),
    outFile: (n) => path.join(layout.logDir, `kafka-${n}.out`),
    pidFile: (n) => pidFilePath(layout.pidDir, `kafka-${n}`),
  };
}

const COMPLETE_MARKER = '.complete';

/** Downloads the broker jars with Maven unless the cache already has them. Returns the libs dir. */
export async function ensureKafkaLibs(
  layout: InfraLayout,
  log: Log,
  version: string = kafkaVersion(),
  opts: { quietIfCached?: boolean } = {},
): Promise<string> {
  const libsDir = kafkaPaths(layout, 'single', version).libsDir;
  if (fs.existsSync(path.join(libsDir, COMPLETE_MARKER))) {
    if (!opts.quietIfCached)
      log(`kafka: jars for ${version} cached in ${path.relative(layout.root, libsDir)}`);
    return libsDir;
  }
  const mvn = which('mvn');
  if (!mvn) throw new Error('mvn (Maven) is not installed (apt package "maven")');
  const tmp = `${libsDir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(libsDir), { recursive: true });
  await runCommand(
    mvn,
    [
      '-q',
      '-B',
      '-f',
      path.join(layout.kafkaAssetsDir, 'pom.xml'),
      `-Dkafka.version=${version}`,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${tmp}`,
      '-DincludeScope=runtime',
    ],
    {
      log,
      label: `kafka: fetching org.apache.kafka:kafka_2.13:${version} and its dependencies with Maven`,
      logFile: path.join(layout.logDir, 'kafka-maven.log'),
      cwd: layout.kafkaAssetsDir,
      timeoutMs: 15 * 60_000,
    },
  );
  const jar = path.join(tmp, `kafka_2.13-${version}.jar`);
  if (!fs.existsSync(jar))
    throw new Error(`Maven finished but ${path.basename(jar)} is not in ${tmp}`);
  fs.writeFileSync(path.join(tmp, COMPLETE_MARKER), `${new Date().toISOString()}\n`);
  fs.rmSync(libsDir, { recursive: true, force: true });
  fs.renameSync(tmp, libsDir);
  log(
    `kafka: ${fs.readdirSync(libsDir).filter((f) => f.endsWith('.jar')).length} jars in ${path.relative(layout.root, libsDir)}`,
  );
  return libsDir;
}

/** Live Kafka pid records, whatever their profile. */
export function runningKafkaNodes(layout: InfraLayout): PidRecord[] {
  const out: PidRecord[] = [];
  for (const file of listPidFiles(layout.pidDir, 'kafka-')) {
    const st = inspectPidFile(file);
    if (st.kind === 'alive') out.push(st.record);
  }
  return out;
}

export interface KafkaHandle {
  readonly profile: KafkaProfile;
  readonly brokers: BrokerCount;
  readonly pids: readonly number[];
  readonly reused: boolean;
  readonly paths: KafkaPaths;
}

export async function startKafka(
  layout: InfraLayout,
  brokers: BrokerCount,
  log: Log,
): Promise<KafkaHandle> {
  const profile = profileFor(brokers);
  const version = kafkaVersion();

  // Clean stale pid files; refuse to mix profiles.
  for (const file of listPidFiles(layout.pidDir, 'kafka-')) {
    const st = inspectPidFile(file);
    if (st.kind === 'stale' || st.kind === 'invalid') {
      log(
        `kafka: removing stale pid file ${path.basename(file)}${st.kind === 'stale' ? ` (pid ${st.record.pid} is gone)` : ''}`,
      );
      removePidFile(file);
    }
  }
  const live = runningKafkaNodes(layout);
  const otherProfile = live.find((r) => r.meta?.profile !== profile);
  if (otherProfile) {
    const running = otherProfile.meta?.profile === 'cluster' ? 3 : 1;
    throw new Error(
      `Kafka is running with ${running} broker(s) (pid ${live.map((r) => r.pid).join(', ')}) but ${brokers} were asked for; ` +
        `run "npm run infra -- down" first (each profile keeps its own data, nothing is lost)`,
    );
  }
  const otherVersion = live.find(
    (r) => r.meta?.version !== undefined && r.meta.version !== version,
  );
  if (otherVersion) {
    throw new Error(
      `Kafka ${otherVersion.meta?.version ?? '?'} is running but this runner pins ${version}; run "npm run infra -- down" first`,
    );
  }

  const paths = kafkaPaths(layout, profile, version);
  const nodeIds = Array.from({ length: brokers }, (_, i) => i + 1);
  const liveIds = new Set(live.map((r) => Number(r.meta?.nodeId)));
  const toStart = nodeIds.filter((n) => !liveIds.has(n));
  if (toStart.length === 0) {
    log(
      `kafka: ${brokers} broker(s) already running (pid ${live.map((r) => r.pid).join(', ')}); reusing them`,
    );
    return { profile, brokers, pids: live.map((r) => r.pid), reused: true, paths };
  }
  if (live.length)
    log(
      `kafka: ${live.length} of ${brokers} broker(s) running; starting node(s) ${toStart.join(', ')}`,
    );

  for (const n of toStart) {
    for (const port of [brokerPort(n), controllerPort(n)]) {
      if (await isPortOpen(HOST, port)) {
        throw new Error(
          `port ${port} on ${HOST} (Kafka node ${n}) is already taken by a process this runner did not start`,
        );
      }
    }
  }

  const libsDir = await ensureKafkaLibs(layout, log, version, { quietIfCached: true });
  const java = which('java');
  if (!java) throw new Error('java is not installed (apt package "openjdk-17-jre-headless")');
  const log4jConfig = path.join(layout.kafkaAssetsDir, 'log4j2.xml');

  fs.mkdirSync(paths.profileDir, { recursive: true });
  let clusterId: string;
  if (fs.existsSync(paths.clusterIdFile)) {
    clusterId = fs.readFileSync(paths.clusterIdFile, 'utf8').trim();
  } else {
    clusterId = newClusterId();
    fs.writeFileSync(paths.clusterIdFile, `${clusterId}\n`);
  }

  for (const n of toStart) {
    fs.mkdirSync(paths.dataDir(n), { recursive: true });
    fs.mkdirSync(paths.logsDir(n), { recursive: true });
    fs.writeFileSync(
      paths.propsFile(n),
      renderServerProperties({ nodeId: n, brokers, host: HOST, logDirs: paths.dataDir(n) }),
    );
    if (!fs.existsSync(path.join(paths.dataDir(n), 'meta.properties'))) {
      await runCommand(
        java,
        javaArgs({
          libsDir,
          log4jConfig,
          logsDir: paths.logsDir(n),
          mainClass: 'kafka.tools.StorageTool',
          heap: '256m',
          args: storageFormatArgs(clusterId, paths.propsFile(n)),
        }),
        {
          log,
          label: `kafka: formatting KRaft storage of node ${n} (cluster id ${clusterId})`,
          logFile: path.join(layout.logDir, `kafka-${n}-format.log`),
          timeoutMs: 3 * 60_000,
        },
      );
    }
  }

  const pids: number[] = live.map((r) => r.pid);
  for (const n of toStart) {
    log(
      `kafka: starting node ${n} (Kafka ${version}, broker ${HOST}:${brokerPort(n)}, controller ${controllerPort(n)}, ` +
        `heap ${KAFKA_HEAP}, log: ${path.relative(layout.root, paths.logsDir(n))}/server.log)`,
    );
    const pid = await spawnDetached(
      java,
      javaArgs({
        libsDir,
        log4jConfig,
        logsDir: paths.logsDir(n),
        mainClass: 'kafka.Kafka',
        args: [paths.propsFile(n)],
      }),
      { cwd: paths.nodeDir(n), logFile: paths.outFile(n) },
    );
    writePidFile(paths.pidFile(n), {
      component: `kafka-${n}`,
      pid,
      port: brokerPort(n),
      marker: paths.propsFile(n),
      startedAt: new Date().toISOString(),
      logFile: path.join(paths.logsDir(n), 'server.log'),
      meta: { profile, nodeId: String(n), version },
    });
    pids.push(pid);
  }
  return { profile, brokers, pids, reused: false, paths };
}

export function kafkaAdminClient(brokers: readonly string[]): Kafka {
  return new Kafka({
    clientId: 'seckill-infra-runner',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    requestTimeout: 5_000,
    retry: { retries: 0 },
  });
}

/** Waits until describeCluster (asked of every broker) lists all brokers. */
export async function readyKafka(handle: KafkaHandle, log: Log): Promise<void> {
  const addresses = kafkaBrokerAddresses(handle.brokers);
  const nodeIds = Array.from({ length: handle.brokers }, (_, i) => i + 1);
  await waitUntil(
    log,
    `Kafka: describeCluster to list ${handle.brokers} broker(s) at ${addresses.join(', ')}`,
    async () => {
      const views: string[] = [];
      for (const address of addresses) {
        const admin = kafkaAdminClient([address]).admin();
        try {
          await admin.connect();
          const cluster = await admin.describeCluster();
          if (cluster.brokers.length < handle.brokers) {
            return {
              ready: false,
              detail: `${address} sees ${cluster.brokers.length}/${handle.brokers} broker(s)`,
            };
          }
          views.push(address);
        } catch (err) {
          return {
            ready: false,
            detail: `${address}: ${err instanceof Error ? err.message : String(err)}`,
          };
        } finally {
          await admin.disconnect().catch(() => undefined);
        }
      }
      return { ready: true, detail: `${views.length} broker(s) agree` };
    },
    {
      timeoutMs: 180_000,
      intervalMs: 1_000,
      abortIf: () => {
        for (const n of nodeIds) {
          const rec = inspectPidFile(handle.paths.pidFile(n));
          if (rec.kind !== 'alive') {
            const out = logTail(handle.paths.outFile(n));
            const server = logTail(path.join(handle.paths.logsDir(n), 'server.log'));
            return `Kafka node ${n} exited; last lines of ${handle.paths.outFile(n)}:\n${out}\n--- server.log:\n${server}`;
          }
        }
        return undefined;
      },
    },
  );
  log(`kafka: describeCluster lists ${handle.brokers} broker(s) (${addresses.join(', ')})`);
}

/** Stops every Kafka node this runner started (all at once, SIGTERM = controlled shutdown). */
export async function stopKafka(layout: InfraLayout, log: Log): Promise<void> {
  const files = listPidFiles(layout.pidDir, 'kafka-');
  const live: PidRecord[] = [];
  for (const file of files) {
    const st = inspectPidFile(file);
    if (st.kind === 'alive') live.push(st.record);
    else removePidFile(file);
  }
  if (live.length === 0) {
    log(files.length ? 'kafka: not running (removed stale pid files)' : 'kafka: not running');
    return;
  }
  log(`kafka: stopping ${live.map((r) => `${r.component} (pid ${r.pid})`).join(', ')}`);
  const ok = await stopPids(
    live.map((r) => r.pid),
    { log, label: 'kafka', timeoutMs: 45_000 },
  );
  if (!ok) throw new Error(`kafka: pid(s) ${live.map((r) => r.pid).join(', ')} would not exit`);
  for (const r of live) removePidFile(pidFilePath(layout.pidDir, r.component));
  log('kafka: stopped');
}

/** Whether a node's marker matches (exported for status). */
export function isKafkaNodeAlive(rec: PidRecord): boolean {
  return isOurProcess(rec.pid, rec.marker);
}

function logTail(file: string): string {
  try {
    return tailLines(fs.readFileSync(file, 'utf8').slice(-20_000), 12);
  } catch {
    return '';
  }
}
