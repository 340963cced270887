/**
 * Jaeger for the local runner and the tracing test: the `jaeger` program (v2, OpenTelemetry
 * Collector based; Apache-2.0) built from source with Go through the small module in
 * infra/jaeger (`go get -tool github.com/jaegertracing/jaeger/cmd/jaeger@<version>`), once, into
 * .cache/jaeger-<version>/. It runs with in-memory storage and a rendered config: OTLP/HTTP in,
 * the query API and UI out, loopback only, in the foreground of its own detached session so the
 * runner knows its pid.
 *
 * A binary built from the Go module has no UI assets (they come from the jaeger-ui project, not
 * the module): its UI port serves the HTTP API (`/api/traces`, `/api/services`) and a placeholder
 * page. `docker compose up` runs the official image, UI included; JAEGER_UI_ASSETS may point the
 * local one at a built jaeger-ui.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HOST, type InfraLayout } from './infra-paths';
import { type Log, waitUntil } from './progress';
import {
  inspectPidFile,
  isOurProcess,
  isPortOpen,
  pidFilePath,
  removePidFile,
  runCommand,
  spawnDetached,
  stopPids,
  tailLines,
  which,
  writePidFile,
} from './process';
import { requiredVersion } from './promtool';
import { findGo } from './vegeta';

export const JAEGER_COMPONENT = 'jaeger';
const MODULE = 'github.com/jaegertracing/jaeger';

/** Where one Jaeger listens. The defaults are Jaeger's own ports. */
export interface JaegerPorts {
  /** OTLP/HTTP receiver: the services' OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly otlpHttp: number;
  /** Query API and UI. */
  readonly query: number;
  /** Query gRPC (unused here; pinned so it never takes a random port's place). */
  readonly queryGrpc: number;
  /** Health check (`/status`): what readiness waits for. */
  readonly health: number;
}

export const JAEGER_PORTS: JaegerPorts = {
  otlpHttp: 4318,
  query: 16686,
  queryGrpc: 16685,
  health: 13133,
};

/** Jaeger's ports moved by `offset` (the tracing test runs its own beside a shop's). */
export function jaegerPorts(offset = 0): JaegerPorts {
  return {
    otlpHttp: JAEGER_PORTS.otlpHttp + offset,
    query: JAEGER_PORTS.query + offset,
    queryGrpc: JAEGER_PORTS.queryGrpc + offset,
    health: JAEGER_PORTS.health + offset,
  };
}

export function jaegerUiUrl(ports: JaegerPorts = JAEGER_PORTS, host = HOST): string {
  return `http://${host}:${ports.query}`;
}

export function otlpEndpoint(ports: JaegerPorts = JAEGER_PORTS, host = HOST): string {
  return `http://${host}:${ports.otlpHttp}`;
}

/** The Jaeger version infra/jaeger/go.mod pins (its `require` line), e.g. v1.75.0. */
export function jaegerVersion(goMod: string): string {
  const version = requiredVersion(goMod, MODULE);
  if (!version) throw new Error(`infra/jaeger/go.mod does not require ${MODULE}`);
  return version;
}

/**
 * The v2 tag of the release a v1 module version names: Jaeger tags each release twice,
 * v1.<n>.<p> for the Go module and 2.<n - 63>.<p> for the v2 program and its image (v1.75.0 is
 * 2.12.0). What the compose image must be for both ways of running to show the same Jaeger.
 */
export function jaegerImageVersion(moduleVersion: string): string {
  const match = /^v1\.(\d+)\.(\d+)$/.exec(moduleVersion);
  const minor = Number(match?.[1]);
  if (!match || minor < 63) throw new Error(`not a Jaeger v1.63+ module version: ${moduleVersion}`);
  return `2.${minor - 63}.${match[2]}`;
}

export interface JaegerConfig {
  readonly host: string;
  readonly ports: JaegerPorts;
  /** Traces kept in memory; the oldest go first. */
  readonly maxTraces: number;
  readonly uiAssets?: string;
}

/**
 * The collector config the runner writes: OTLP/HTTP only, memory storage, no self-tracing and no
 * metrics endpoint of its own (nothing else listens). The batch processor waits at most 200 ms,
 * so a finished purchase's spans are queryable about a second after the services exported them.
 */
export function renderJaegerConfig(c: JaegerConfig): string {
  const at = (port: number) => `${c.host}:${port}`;
  return [
    '# Written by infra/local/jaeger.ts on every start; edit that file, not this one.',
    'service:',
    '  extensions: [jaeger_storage, jaeger_query, healthcheckv2]',
    '  pipelines:',
    '    traces:',
    '      receivers: [otlp]',
    '      processors: [batch]',
    '      exporters: [jaeger_storage_exporter]',
    '  telemetry:',
    '    resource:',
    '      service.name: jaeger',
    '    metrics:',
    '      level: none',
    '    logs:',
    '      level: warn',
    'extensions:',
    '  healthcheckv2:',
    '    use_v2: true',
    '    http:',
    `      endpoint: ${at(c.ports.health)}`,
    '  jaeger_query:',
    '    enable_tracing: false',
    '    storage:',
    '      traces: memstore',
    ...(c.uiAssets ? ['    ui:', `      assets_path: ${JSON.stringify(c.uiAssets)}`] : []),
    '    http:',
    `      endpoint: ${at(c.ports.query)}`,
    '    grpc:',
    `      endpoint: ${at(c.ports.queryGrpc)}`,
    '  jaeger_storage:',
    '    backends:',
    '      memstore:',
    '        memory:',
    `          max_traces: ${c.maxTraces}`,
    'receivers:',
    '  otlp:',
    '    protocols:',
    '      http:',
    `        endpoint: ${at(c.ports.otlpHttp)}`,
    'processors:',
    '  batch:',
    '    timeout: 200ms',
    'exporters:',
    '  jaeger_storage_exporter:',
    '    trace_storage: memstore',
    '',
  ].join('\n');
}

export interface JaegerPaths {
  /** infra/jaeger: the Go module that pins the version. */
  readonly moduleDir: string;
  readonly binary: string;
  readonly dir: string;
  readonly configFile: string;
  readonly logFile: string;
  readonly buildLogFile: string;
  readonly pidFile: string;
}

/** `name` tells instances apart (the shop's `jaeger`, a test's own). */
export function jaegerPaths(layout: InfraLayout, name = JAEGER_COMPONENT): JaegerPaths {
  const moduleDir = path.join(layout.root, 'infra', 'jaeger');
  const version = jaegerVersion(fs.readFileSync(path.join(moduleDir, 'go.mod'), 'utf8'));
  const dir = path.join(layout.dataDir, name);
  return {
    moduleDir,
    binary: path.join(layout.cacheDir, `jaeger-${version}`, 'jaeger'),
    dir,
    configFile: path.join(dir, 'config.yaml'),
    logFile: path.join(layout.logDir, `${name}.log`),
    buildLogFile: path.join(layout.logDir, 'jaeger-build.log'),
    pidFile: pidFilePath(layout.pidDir, name),
  };
}

/**
 * Builds the `jaeger` program unless the cache has it: `go build` of the module's tool, into a
 * temporary name first, so an interrupted build never leaves a half-written binary behind. The
 * first build fetches and compiles a few hundred modules (several minutes on two cores); later
 * ones find the binary and return at once.
 */
export async function ensureJaeger(layout: InfraLayout, log: Log): Promise<string> {
  const paths = jaegerPaths(layout);
  if (fs.existsSync(paths.binary)) return paths.binary;
  const go = findGo({ exists: (file) => fs.existsSync(file), which });
  if (!go) {
    throw new Error(
      `jaeger is not built yet, and building it needs Go (1.24 or newer), which is not on PATH ` +
        `(https://go.dev/doc/install, or "apt-get install golang-go" on Debian 13+)`,
    );
  }
  const version = path.basename(path.dirname(paths.binary)).slice('jaeger-'.length);
  fs.mkdirSync(path.dirname(paths.binary), { recursive: true });
  const tmp = `${paths.binary}.tmp-${process.pid}`;
  log(
    `jaeger: building ${MODULE}/cmd/jaeger@${version} with Go, once (minutes the first time; ` +
      `log: ${path.relative(layout.root, paths.buildLogFile)})`,
  );
  try {
    await runCommand(go, ['build', '-o', tmp, `${MODULE}/cmd/jaeger`], {
      log,
      label: `jaeger: go build ${MODULE}/cmd/jaeger@${version}`,
      cwd: paths.moduleDir,
      logFile: paths.buildLogFile,
      timeoutMs: 30 * 60_000,
    });
    fs.renameSync(tmp, paths.binary);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  log(`jaeger: built ${path.relative(layout.root, paths.binary)}`);
  return paths.binary;
}

export interface JaegerHandle {
  readonly pid: number;
  readonly reused: boolean;
  readonly ports: JaegerPorts;
  readonly paths: JaegerPaths;
}

export interface JaegerOptions {
  readonly ports?: JaegerPorts;
  /** Instance name: pid file, data dir and log are named after it (default `jaeger`). */
  readonly name?: string;
  readonly maxTraces?: number;
}

/** Starts Jaeger (building it first if needed), or reuses the one its pid file names. */
export async function startJaeger(
  layout: InfraLayout,
  log: Log,
  options: JaegerOptions = {},
): Promise<JaegerHandle> {
  const name = options.name ?? JAEGER_COMPONENT;
  const ports = options.ports ?? JAEGER_PORTS;
  const paths = jaegerPaths(layout, name);
  const state = inspectPidFile(paths.pidFile);
  if (state.kind === 'alive') {
    log(`${name}: already running (pid ${state.record.pid}); reusing it`);
    return { pid: state.record.pid, reused: true, ports, paths };
  }
  if (state.kind === 'stale' || state.kind === 'invalid') removePidFile(paths.pidFile);
  const binary = await ensureJaeger(layout, log);
  for (const port of Object.values(ports)) {
    if (await isPortOpen(HOST, port)) {
      throw new Error(
        `port ${port} on ${HOST} is already taken by a process this runner did not start ` +
          `(another Jaeger?) — see "ss -ltnp 'sport = :${port}'"`,
      );
    }
  }
  fs.mkdirSync(paths.dir, { recursive: true });
  fs.writeFileSync(
    paths.configFile,
    renderJaegerConfig({
      host: HOST,
      ports,
      maxTraces: options.maxTraces ?? 100_000,
      uiAssets: process.env.JAEGER_UI_ASSETS || undefined,
    }),
  );
  log(
    `${name}: starting, OTLP/HTTP on ${otlpEndpoint(ports)}, UI and API on ${jaegerUiUrl(ports)} (log: ${path.relative(layout.root, paths.logFile)})`,
  );
  const pid = await spawnDetached(binary, ['--config', paths.configFile], {
    cwd: paths.dir,
    logFile: paths.logFile,
  });
  writePidFile(paths.pidFile, {
    component: name,
    pid,
    port: ports.query,
    marker: paths.configFile,
    startedAt: new Date().toISOString(),
    logFile: paths.logFile,
  });
  return { pid, reused: false, ports, paths };
}

/** Waits until Jaeger's health check answers 200. */
export async function readyJaeger(handle: JaegerHandle, log: Log): Promise<void> {
  const url = `http://${HOST}:${handle.ports.health}/status`;
  await waitUntil(
    log,
    `jaeger to answer ${url}`,
    async () => {
      const answer = await fetch(url, { signal: AbortSignal.timeout(2_000) }).catch(() => null);
      return answer?.ok
        ? { ready: true }
        : { ready: false, detail: answer ? `HTTP ${answer.status}` : 'not listening yet' };
    },
    {
      timeoutMs: 60_000,
      intervalMs: 200,
      abortIf: () =>
        handle.reused || isOurProcess(handle.pid, handle.paths.configFile)
          ? undefined
          : `jaeger (pid ${handle.pid}) exited; last lines of ${handle.paths.logFile}:\n${logTail(handle.paths.logFile)}`,
    },
  );
}

/** Stops the Jaeger instance `name` if it runs (its traces are in memory: they go with it). */
export async function stopJaeger(
  layout: InfraLayout,
  log: Log,
  name = JAEGER_COMPONENT,
): Promise<void> {
  const paths = jaegerPaths(layout, name);
  const state = inspectPidFile(paths.pidFile);
  if (state.kind !== 'alive') {
    removePidFile(paths.pidFile);
    return;
  }
  const { pid } = state.record;
  log(`${name}: stopping pid ${pid}`);
  const ok = await stopPids([pid], { log, label: name, timeoutMs: 10_000 });
  if (!ok) throw new Error(`${name}: pid ${pid} would not exit`);
  removePidFile(paths.pidFile);
}

/** The pid of the running Jaeger instance `name`, or null. */
export function jaegerPid(layout: InfraLayout, name = JAEGER_COMPONENT): number | null {
  const state = inspectPidFile(jaegerPaths(layout, name).pidFile);
  return state.kind === 'alive' ? state.record.pid : null;
}

function logTail(file: string): string {
  try {
    return tailLines(fs.readFileSync(file, 'utf8').slice(-20_000), 15);
  } catch {
    return '';
  }
}
