/**
 * What each `npm run shop` command does. infra/cli/shop.ts parses the command line and calls one
 * of these; they report progress through `Io.log` and results through `Io.out`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { infraDown, infraEndpoints, infraStatus, infraUp, runningKafkaBrokers } from '../infra';
import { type BrokerCount, HOST, type InfraLayout, infraLayout } from '../infra-paths';
import {
  JAEGER_COMPONENT,
  JAEGER_PORTS,
  jaegerPid,
  otlpEndpoint,
  readyJaeger,
  startJaeger,
  stopJaeger,
} from '../jaeger';
import { migrateAll } from '../migrate';
import { acquireLock, isAlive, isPortOpen, removePidFile } from '../process';
import { type Log, formatElapsed, step } from '../progress';
import {
  type InfraEndpoints,
  LOCAL_JWT_SECRET,
  SERVICES,
  type ServiceName,
  type ServiceSpec,
  serviceSpec,
} from '../services';
import { provisionAllTopics } from '../topics';
import { brokersForRestart, chooseBrokers } from './brokers';
import { waitSagaIdle, localKafkaAdmin } from '../group-lag';
import { demoSaleHint, ensureDemoSale } from './demo-sale';
import {
  CONTROL_ROOM,
  CONTROL_ROOM_PORT,
  adminToken,
  controlRoomPid,
  controlRoomUrl,
  startControlRoom,
  stopControlRoom,
} from './control-room';
import { rehearsalLine, rehearseSale } from './rehearsal';
import { build } from './build';
import { type Painter, painter } from './colors';
import { baseUrl, serviceHealth } from './health';
import { renderLogLine } from './log-format';
import {
  inspectService,
  recordedBrokers,
  serviceLogFile,
  servicePidFile,
  serviceState,
} from './pid-files';
import {
  STOP_GRACE_MS,
  type ServiceProcess,
  ShopError,
  relativeToRoot,
  signal,
  startService,
  stopServices,
  waitUntilReady,
} from './runner';
import {
  type StatusRow,
  type UpRow,
  infraAddress,
  renderStatusTable,
  renderUpTable,
} from './table';
import { followFiles, lastLines } from './tail';

export interface Io {
  /** Progress ("what is happening, how long so far"). */
  readonly log: Log;
  /** Results: tables, log lines. */
  readonly out: (text: string) => void;
  /** Colours for `out` (a terminal or not). */
  readonly paint: Painter;
  /** Resolves on Ctrl-C (SIGINT) or SIGTERM; each call waits for the next one. */
  readonly interrupted: () => Promise<NodeJS.Signals>;
}

/**
 * The shop commands' output inside another tool's (a bench, a chaos experiment): every line to
 * `log` behind `prefix`, no colour, and no Ctrl-C of its own (the tool handles that).
 */
export function nestedIo(log: Log, prefix: string): Io {
  return {
    log: (line) => log(`${prefix}${line}`),
    out: (text) => log(`${prefix}${text}`),
    paint: painter(false),
    interrupted: () => new Promise<NodeJS.Signals>(() => undefined),
  };
}

const rel = (layout: InfraLayout, file: string): string => relativeToRoot(layout, file);

/** Lock for starting/stopping services, so two `shop` commands do not start a service twice. */
function serviceLock(layout: InfraLayout): string {
  return path.join(layout.pidDir, 'shop.lock');
}

// ---------------------------------------------------------------------------------------------
// up
// ---------------------------------------------------------------------------------------------

export interface UpOptions {
  /** Undefined: the profile that already runs, else 1. */
  readonly brokers: BrokerCount | undefined;
  readonly detach: boolean;
  readonly keepInfra: boolean;
  readonly timeoutMs: number;
  readonly rehearse: boolean;
  /** Start Jaeger; the services started now export their spans to it. */
  readonly tracing: boolean;
}

/**
 * Decides, per service, whether to reuse a running process or start one, and refuses ports held
 * by processes the shop did not start (starting over them would only produce EADDRINUSE).
 */
async function startMissing(
  layout: InfraLayout,
  endpoints: InfraEndpoints,
  brokers: BrokerCount,
  log: Log,
): Promise<ServiceProcess[]> {
  const release = await acquireLock(serviceLock(layout), log);
  try {
    const plan = await Promise.all(
      SERVICES.map(async (spec) => ({
        spec,
        st: inspectService(layout, spec.name),
        portOpen: await isPortOpen(HOST, spec.port, 500),
      })),
    );
    const foreign = plan.filter((p) => serviceState(p.st, p.portOpen) === 'foreign');
    if (foreign.length) {
      throw new ShopError(
        `port(s) taken by processes the shop did not start: ${foreign.map((p) => `${p.spec.port} (${p.spec.name})`).join(', ')}; ` +
          `free them (see "ss -ltnp 'sport = :${foreign[0].spec.port}'") and run again`,
      );
    }
    const procs: ServiceProcess[] = [];
    for (const { spec, st } of plan) {
      if (st.kind === 'alive') {
        const rb = recordedBrokers(st.record);
        const note =
          rb !== undefined && rb !== brokers
            ? ` — it was started with ${rb} broker(s); "npm run shop -- restart ${spec.name}" to switch`
            : '';
        log(
          `  ${spec.name}: already running (pid ${st.record.pid}, since ${st.record.startedAt}); reusing it${note}`,
        );
        procs.push({ spec, pid: st.record.pid, reused: true, exitInfo: () => null });
        continue;
      }
      if (st.kind !== 'none') removePidFile(servicePidFile(layout, spec.name));
      const proc = await startService(layout, spec, endpoints, brokers);
      log(
        `  ${spec.name}: started (pid ${proc.pid}, port ${spec.port}, log ${rel(layout, serviceLogFile(layout, spec.name))})`,
      );
      procs.push(proc);
    }
    return procs;
  } finally {
    release();
  }
}

/**
 * The rehearsal (rehearsal.ts) when this run started a service: a small sale through the
 * gateway, then until its saga is done, so every service has run its purchase path once.
 * Returns the line to print, or undefined when it was skipped.
 */
async function rehearse(
  opts: UpOptions,
  procs: readonly ServiceProcess[],
  gatewayUrl: string,
  timed: <T>(label: string, fn: () => Promise<T>) => Promise<T>,
  log: Log,
): Promise<string | undefined> {
  if (!opts.rehearse || procs.every((p) => p.reused)) return undefined;
  return timed(
    'rehearsal (a small sale that warms the shop up; --no-rehearsal skips it)',
    async () => {
      const result = await rehearseSale(gatewayUrl, LOCAL_JWT_SECRET);
      log(`  ${rehearsalLine(result)}; waiting for its saga`);
      const admin = localKafkaAdmin('shop-rehearsal');
      await admin.connect();
      try {
        await waitSagaIdle(admin, 60, (line) => log(line));
      } finally {
        await admin.disconnect();
      }
      return `Rehearsal sale ${result.saleId}: ${rehearsalLine(result)} (--no-rehearsal skips it).`;
    },
  );
}

export async function up(opts: UpOptions, io: Io): Promise<number> {
  const { log } = io;
  const layout = infraLayout();
  const started = Date.now();
  const timings: string[] = [];
  const timed = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
    const t = Date.now();
    const v = await step(log, label, fn);
    timings.push(`${label.split(' ')[0]} ${formatElapsed(Date.now() - t)}`);
    return v;
  };
  fs.mkdirSync(layout.logDir, { recursive: true });
  const brokers = chooseBrokers(opts.brokers, runningKafkaBrokers());
  const reusedProfile =
    opts.brokers === undefined && brokers === 3
      ? ', the running cluster profile; --brokers 1 for a single broker'
      : '';
  log(
    `shop up: infra (${brokers} Kafka broker${brokers > 1 ? 's' : ''}${reusedProfile}), build, migrations, topics, ${SERVICES.length} services`,
  );

  const infraLog: Log = (line) => log(`[infra] ${line}`);
  const endpoints = await timed('infra', () => infraUp({ brokers, log: infraLog }));
  await timed('build (prisma generate if missing, compile)', () => build(layout, log));
  await timed('migrations', () => migrateAll(endpoints, (line) => log(`  ${line}`)));
  await timed('topics', () =>
    provisionAllTopics(endpoints.kafkaBrokers, (line) => log(`  ${line}`)),
  );
  const jaeger = opts.tracing ? await timed('jaeger', () => upJaeger(layout, log)) : undefined;

  const svcStarted = Date.now();
  log(`services ...`);
  const procs = await startMissing(layout, tracedEndpoints(endpoints, opts.tracing), brokers, log);
  if (opts.tracing && procs.some((p) => p.reused)) {
    log(
      `  services already running keep their settings: "npm run shop -- restart <service>" to trace them too`,
    );
  }
  log(
    `services: waiting until every /health/ready answers 200 (up to ${formatElapsed(opts.timeoutMs)})`,
  );
  let readyAt: Map<string, number>;
  try {
    readyAt = await waitUntilReady(layout, procs, { timeoutMs: opts.timeoutMs, log });
  } catch (err) {
    if (err instanceof ShopError) {
      throw new ShopError(
        `${err.message}\nThe other services and the infra keep running: fix and run "npm run shop" again, or "npm run shop -- stop".`,
      );
    }
    throw err;
  }
  timings.push(`services ${formatElapsed(Date.now() - svcStarted)}`);

  const rows: UpRow[] = procs.map((p) => ({
    name: p.spec.name,
    url: baseUrl(p.spec.port),
    pid: p.pid,
    status: p.reused
      ? 'ready (already running)'
      : `ready in ${formatElapsed(readyAt.get(p.spec.name) ?? 0)}`,
    ok: true,
  }));
  const room = await timed('control-room', () =>
    startControlRoom(layout, endpoints, log, jaeger ? { jaegerUiUrl: jaegerUi() } : {}),
  );
  rows.push({
    name: CONTROL_ROOM,
    url: controlRoomUrl(),
    pid: room.pid,
    status: room.reused ? 'ready (already running)' : 'ready',
    ok: true,
  });
  if (jaeger) {
    rows.push({
      name: JAEGER_COMPONENT,
      url: jaegerUi(),
      pid: jaeger.pid,
      status: jaeger.reused ? 'ready (already running)' : 'ready',
      ok: true,
    });
  }
  const gatewayUrl = baseUrl(serviceSpec('gateway').port);
  const demo = await timed('demo sale', () =>
    ensureDemoSale(gatewayUrl, layout.dataDir, LOCAL_JWT_SECRET),
  );
  const rehearsal = await rehearse(opts, procs, gatewayUrl, timed, log);
  const infra = await infraStatus();
  io.out('');
  io.out(renderUpTable(rows, infra, io.paint));
  io.out('');
  for (const line of demoSaleHint(gatewayUrl, demo)) io.out(line);
  if (rehearsal) io.out(rehearsal);
  io.out('');
  io.out(`Shop ready in ${formatElapsed(Date.now() - started)} (${timings.join(', ')}).`);
  io.out(
    `Entry point: ${baseUrl(serviceSpec('gateway').port)}  ·  metrics: <url>/metrics  ·  logs: ${rel(layout, layout.logDir)}/<service>.log`,
  );
  io.out(
    `Control room: ${controlRoomUrl()} (live; its demos need the admin token ${adminToken(layout)})`,
  );
  if (jaeger) {
    io.out(
      `Traces: ${jaegerUi()} (one trace per purchase; the API: ${jaegerUi()}/api/traces?service=gateway; docs/tracing.md)`,
    );
  }
  if (opts.detach) {
    io.out(
      'Running in the background: "npm run shop -- status | logs | kill <svc> | restart <svc> | stop".',
    );
    return 0;
  }
  io.out(
    `Streaming the services' logs. Ctrl-C stops the services${opts.keepInfra ? ' (the infra keeps running)' : ', then the infra'}. ` +
      `From another terminal: "npm run shop -- status | kill <svc> | restart <svc>".`,
  );
  io.out('');
  const stream = await streamLogs(
    layout,
    SERVICES.map((s) => s.name),
    io,
    { fromEnd: true, watchProcesses: true },
  );
  // Stopped from another terminal: whoever did that also decided about the infra.
  if (stream.reason === 'stopped') return 0;
  return shutdown(layout, opts.keepInfra, io, stream.stopFollowing);
}

/** Jaeger's UI (and HTTP API) of a shop run with --tracing. */
function jaegerUi(): string {
  return infraAddress(JAEGER_COMPONENT, JAEGER_PORTS.query);
}

/** Starts Jaeger (built with Go on first use) and waits until it takes spans. */
async function upJaeger(layout: InfraLayout, log: Log): Promise<{ pid: number; reused: boolean }> {
  const handle = await startJaeger(layout, (line) => log(`  ${line}`));
  await readyJaeger(handle, (line) => log(`  ${line}`));
  return handle;
}

/** The services' endpoints, with Jaeger's OTLP endpoint when tracing (else none: tracing off). */
function tracedEndpoints(endpoints: InfraEndpoints, tracing: boolean): InfraEndpoints {
  return tracing ? { ...endpoints, otlpEndpoint: otlpEndpoint() } : endpoints;
}

/** Ctrl-C after `up`: services (gracefully), then the infra unless asked to keep it. */
async function shutdown(
  layout: InfraLayout,
  keepInfra: boolean,
  io: Io,
  stopFollowing: () => void,
): Promise<number> {
  const { log } = io;
  const started = Date.now();
  log(
    `stopping the services (SIGTERM, SIGKILL after ${formatElapsed(STOP_GRACE_MS)}; Ctrl-C again to SIGKILL now) ...`,
  );
  // A second Ctrl-C kills the services that are still draining, by their recorded pids.
  let hurry = true;
  void io.interrupted().then(() => {
    if (!hurry) return;
    log('second Ctrl-C: SIGKILL to the services still running');
    for (const spec of SERVICES) {
      const st = inspectService(layout, spec.name);
      if (st.kind === 'alive') signal(st.record.pid, 'SIGKILL');
    }
  });
  await stopControlRoom(layout, log);
  // The logs keep streaming until the services are gone, so their drain messages show.
  await stopServices(layout, SERVICES, log);
  // After the services: their last spans are exported on the way out.
  await stopJaeger(layout, log);
  stopFollowing();
  hurry = false;
  log(`services stopped in ${formatElapsed(Date.now() - started)}`);
  if (keepInfra) {
    log(
      'infra keeps running (--keep-infra); "npm run infra -- down" or "npm run shop -- stop" stops it',
    );
  } else {
    await infraDown({ log: (line) => log(`[infra] ${line}`) });
  }
  log(`shop stopped in ${formatElapsed(Date.now() - started)}`);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// logs
// ---------------------------------------------------------------------------------------------

interface StreamOptions {
  readonly fromEnd: boolean;
  /** Also report services that exit or come back (kill/restart from another terminal). */
  readonly watchProcesses: boolean;
}

/** Streams the services' log files, rendered, until Ctrl-C (or until every service was stopped cleanly). */
async function streamLogs(
  layout: InfraLayout,
  names: readonly string[],
  io: Io,
  opts: StreamOptions,
): Promise<{ reason: 'interrupted' | 'stopped'; stopFollowing: () => void }> {
  const follower = followFiles(
    names.map((name) => ({ name, file: serviceLogFile(layout, name) })),
    (name, line) => io.out(renderLogLine(name, line, { paint: io.paint })),
    { fromEnd: opts.fromEnd },
  );
  let monitor: NodeJS.Timeout | undefined;
  const stoppedByOthers = new Promise<'stopped'>((resolve) => {
    if (!opts.watchProcesses) return;
    const lastPid = new Map<string, number | null>();
    for (const name of names) {
      const st = inspectService(layout, name);
      lastPid.set(name, st.kind === 'alive' ? st.record.pid : null);
    }
    monitor = setInterval(() => {
      let cleanlyStopped = 0;
      for (const name of names) {
        const st = inspectService(layout, name);
        const pid = st.kind === 'alive' ? st.record.pid : null;
        const before = lastPid.get(name) ?? null;
        if (st.kind === 'none') cleanlyStopped++;
        if (pid === before) continue;
        lastPid.set(name, pid);
        if (pid === null) {
          io.log(
            io.paint.paint(
              `${name} is not running any more (pid ${before} is gone); "npm run shop -- restart ${name}" starts it again`,
              'yellow',
            ),
          );
        } else {
          io.log(`${name} is running again (pid ${pid})`);
        }
      }
      if (cleanlyStopped === names.length) resolve('stopped');
    }, 1_000);
  });
  const why = await Promise.race([io.interrupted(), stoppedByOthers]);
  if (monitor) clearInterval(monitor);
  const stopFollowing = (): void => follower.stop();
  if (why === 'stopped') {
    stopFollowing();
    io.log(
      'every service was stopped from elsewhere ("npm run shop -- stop"?); leaving the infra as it is',
    );
    return { reason: 'stopped', stopFollowing };
  }
  return { reason: 'interrupted', stopFollowing };
}

export async function logs(
  services: readonly ServiceName[],
  lines: number,
  io: Io,
): Promise<number> {
  const layout = infraLayout();
  const names = services.length ? services : SERVICES.map((s) => s.name);
  for (const name of names) {
    for (const line of lastLines(serviceLogFile(layout, name), lines))
      io.out(renderLogLine(name, line, { paint: io.paint }));
  }
  io.log(
    `following ${names.length === SERVICES.length ? 'all services' : names.join(', ')} (${rel(layout, layout.logDir)}/); Ctrl-C to stop watching (the services keep running)`,
  );
  const stream = await streamLogs(layout, names, io, { fromEnd: true, watchProcesses: false });
  stream.stopFollowing();
  return 0;
}

// ---------------------------------------------------------------------------------------------
// status
// ---------------------------------------------------------------------------------------------

async function statusRow(layout: InfraLayout, spec: ServiceSpec): Promise<StatusRow> {
  const st = inspectService(layout, spec.name);
  const portOpen = await isPortOpen(HOST, spec.port, 500);
  const state = serviceState(st, portOpen);
  const health = portOpen ? await serviceHealth(spec.port) : null;
  const logFile = rel(layout, serviceLogFile(layout, spec.name));
  let note: string;
  switch (state) {
    case 'running':
      note =
        health === null
          ? 'starting (port not open yet)'
          : health.ready
            ? baseUrl(spec.port)
            : health.detail;
      break;
    case 'exited':
      note = st.kind === 'stale' ? `pid ${st.record.pid} exited; see ${logFile}` : `see ${logFile}`;
      break;
    case 'foreign':
      note = `port ${spec.port} held by a process the shop did not start`;
      break;
    case 'stopped':
      note = '';
      break;
  }
  return {
    name: spec.name,
    pid: st.kind === 'alive' ? st.record.pid : null,
    port: spec.port,
    state,
    live: health === null ? null : health.live,
    ready: health === null ? null : health.ready,
    note,
  };
}

async function controlRoomRow(layout: InfraLayout): Promise<StatusRow> {
  const pid = controlRoomPid(layout);
  const answering = pid !== null && (await isPortOpen(HOST, CONTROL_ROOM_PORT, 500));
  return {
    name: CONTROL_ROOM,
    pid,
    port: CONTROL_ROOM_PORT,
    state: pid === null ? 'stopped' : 'running',
    live: pid === null ? null : answering,
    ready: pid === null ? null : answering,
    note: answering ? controlRoomUrl() : pid === null ? '' : 'starting',
  };
}

/** Jaeger's row while it runs (a shop up with --tracing); none otherwise. */
async function jaegerRows(layout: InfraLayout): Promise<StatusRow[]> {
  const pid = jaegerPid(layout);
  if (pid === null) return [];
  const answering = await isPortOpen(HOST, JAEGER_PORTS.query, 500);
  return [
    {
      name: JAEGER_COMPONENT,
      pid,
      port: JAEGER_PORTS.query,
      state: 'running',
      live: answering,
      ready: answering,
      note: answering ? jaegerUi() : 'starting',
    },
  ];
}

export async function status(io: Io): Promise<number> {
  const layout = infraLayout();
  const [rows, infra, jaeger] = await Promise.all([
    Promise.all([...SERVICES.map((s) => statusRow(layout, s)), controlRoomRow(layout)]),
    infraStatus(),
    jaegerRows(layout),
  ]);
  io.out(renderStatusTable([...rows, ...jaeger], infra, io.paint));
  const ready = rows.filter((r) => r.ready && r.name !== CONTROL_ROOM).length;
  const infraUpCount = infra.filter((c) => c.running).length;
  io.out('');
  io.out(
    `${ready}/${SERVICES.length} services ready, ${infraUpCount}/${infra.length} infra components running; logs in ${rel(layout, layout.logDir)}/`,
  );
  return 0;
}

// ---------------------------------------------------------------------------------------------
// stop, kill, restart
// ---------------------------------------------------------------------------------------------

/** Stops the named services; with none named, every service, then the infra (unless keepInfra). */
export async function stop(
  names: readonly ServiceName[],
  keepInfra: boolean,
  io: Io,
): Promise<number> {
  const layout = infraLayout();
  const started = Date.now();
  const specs = names.length ? names.map(serviceSpec) : SERVICES;
  const release = await acquireLock(serviceLock(layout), io.log);
  try {
    // The control room watches the services: it goes first, so their stop is not a "fault".
    if (!names.length) await stopControlRoom(layout, io.log);
    await step(io.log, `services: stop${names.length ? ` ${names.join(', ')}` : ''}`, () =>
      stopServices(layout, specs, io.log),
    );
    if (!names.length) await stopJaeger(layout, io.log);
  } finally {
    release();
  }
  if (names.length) io.log('the other services and the infra keep running');
  else if (keepInfra) io.log('infra keeps running (--keep-infra)');
  else
    await step(io.log, 'infra: down', () =>
      infraDown({ log: (line) => io.log(`[infra] ${line}`) }),
    );
  io.log(`shop stop: done in ${formatElapsed(Date.now() - started)}`);
  return 0;
}

export async function kill(name: ServiceName, io: Io): Promise<number> {
  const layout = infraLayout();
  const st = inspectService(layout, name);
  if (st.kind !== 'alive') {
    throw new ShopError(
      `${name} is not running, nothing to kill ("npm run shop -- status" shows what runs)`,
    );
  }
  const pid = st.record.pid;
  signal(pid, 'SIGKILL');
  const t = Date.now();
  while (isAlive(pid) && Date.now() - t < 5_000) await new Promise((r) => setTimeout(r, 50));
  if (isAlive(pid)) throw new ShopError(`${name} (pid ${pid}) is still alive 5 s after SIGKILL`);
  // The pid file stays: status then shows the service as "exited", which is the point of the demo.
  io.out(`killed ${name} (pid ${pid}) with SIGKILL — no drain, no offset commit, no goodbye.`);
  io.out(
    `"npm run shop -- status" shows it exited; "npm run shop -- restart ${name}" brings it back.`,
  );
  return 0;
}

/**
 * Stops each named service that runs, then starts them all at once and waits until every one is
 * ready: several consumers released together (npm run bench -- drain) start within one spawn.
 */
export async function restart(
  names: readonly ServiceName[],
  timeoutMs: number,
  io: Io,
): Promise<number> {
  const { log } = io;
  const layout = infraLayout();
  const started = Date.now();
  const infra = await infraStatus();
  const down = infra.filter((c) => !c.running).map((c) => c.component);
  if (down.length) {
    throw new ShopError(
      `the infra is not running (${down.join(', ')}); "npm run shop" starts everything`,
    );
  }
  const procs: ServiceProcess[] = [];
  const release = await acquireLock(serviceLock(layout), log);
  try {
    const starts: Array<{ spec: ServiceSpec; brokers: BrokerCount }> = [];
    const running: ServiceSpec[] = [];
    for (const name of names) {
      const spec = serviceSpec(name);
      const st = inspectService(layout, name);
      // What runs now wins (the infra may have been restarted with another profile), then what it had.
      const had =
        st.kind === 'alive' || st.kind === 'stale' ? recordedBrokers(st.record) : undefined;
      starts.push({ spec, brokers: brokersForRestart(runningKafkaBrokers(), had) });
      if (st.kind === 'alive') running.push(spec);
      else {
        log(
          `${name}: not running${st.kind === 'stale' ? ` (pid ${st.record.pid} exited)` : ''}; starting it`,
        );
        if (st.kind !== 'none') removePidFile(servicePidFile(layout, name));
      }
    }
    if (running.length) {
      await step(log, `${running.map((s) => s.name).join(', ')}: stop`, () =>
        stopServices(layout, running, log),
      );
    }
    for (const { spec } of starts) {
      if (await isPortOpen(HOST, spec.port, 500)) {
        throw new ShopError(
          `port ${spec.port} is still taken (by a process the shop did not start?); see "ss -ltnp 'sport = :${spec.port}'"`,
        );
      }
    }
    // A shop started with --tracing (Jaeger runs) traces what it restarts as well.
    const tracing = jaegerPid(layout) !== null;
    for (const { spec, brokers } of starts) {
      const endpoints = tracedEndpoints(infraEndpoints(brokers), tracing);
      procs.push(await startService(layout, spec, endpoints, brokers));
    }
  } finally {
    release();
  }
  log(
    `${procs.map((p) => `${p.spec.name} (pid ${p.pid})`).join(', ')}: started; waiting for /health/ready (up to ${formatElapsed(timeoutMs)})`,
  );
  await waitUntilReady(layout, procs, { timeoutMs, log });
  io.out(
    `${procs.map((p) => `${p.spec.name} (pid ${p.pid}, ${baseUrl(p.spec.port)})`).join(', ')} ready again in ${formatElapsed(Date.now() - started)}`,
  );
  return 0;
}
