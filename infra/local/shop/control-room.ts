/**
 * The control room (infra/control-room) as the local runner runs it: one more process next to
 * the six services, started after them and stopped before them, with its pid file and log in the
 * same places. Here actions are on (the local demo), guarded by an admin token made once per
 * checkout and kept in `.data/control-room/admin-token` (mode 0600).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HOST, type InfraLayout } from '../infra-paths';
import { inspectPidFile, isAlive, removePidFile, writePidFile } from '../process';
import { type Log, formatElapsed } from '../progress';
import { type InfraEndpoints } from '../services';
import { childEnv, ShopError, signal } from './runner';

export const CONTROL_ROOM = 'control-room';
export const CONTROL_ROOM_PORT = 3100;
const READY_WITHIN_MS = 30_000;
const STOP_WITHIN_MS = 10_000;

export const controlRoomUrl = (): string => `http://${HOST}:${CONTROL_ROOM_PORT}/`;

function files(layout: InfraLayout) {
  return {
    pid: path.join(layout.pidDir, `tool-${CONTROL_ROOM}.pid`),
    log: path.join(layout.logDir, `${CONTROL_ROOM}.log`),
    token: path.join(layout.dataDir, CONTROL_ROOM, 'admin-token'),
    entry: path.join(layout.root, 'infra', 'control-room', 'main.ts'),
  };
}

/** The checkout's admin token: made on first use, then the same on every start. */
export function adminToken(layout: InfraLayout): string {
  const file = files(layout).token;
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const token = randomBytes(24).toString('base64url');
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

export function controlRoomPid(layout: InfraLayout): number | null {
  const st = inspectPidFile(files(layout).pid);
  return st.kind === 'alive' ? st.record.pid : null;
}

async function answersReady(timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(`${controlRoomUrl()}health/ready`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    return response.status === 200;
  } catch {
    return false;
  }
}

export interface ControlRoomOptions {
  /** Jaeger's UI when the shop runs with tracing, for the link from an order to its trace. */
  readonly jaegerUiUrl?: string;
}

/** Starts the control room unless it runs; resolves once it answers. Returns its pid. */
export async function startControlRoom(
  layout: InfraLayout,
  endpoints: InfraEndpoints,
  log: Log,
  options: ControlRoomOptions = {},
): Promise<{ pid: number; reused: boolean }> {
  const f = files(layout);
  const running = controlRoomPid(layout);
  if (running !== null) {
    log(`  ${CONTROL_ROOM}: already running (pid ${running}); reusing it`);
    return { pid: running, reused: true };
  }
  removePidFile(f.pid);
  fs.mkdirSync(path.dirname(f.log), { recursive: true });
  const fd = fs.openSync(f.log, 'a');
  const args = ['-r', '@swc-node/register', f.entry];
  const env: Record<string, string> = {
    CONTROL_ROOM_PORT: String(CONTROL_ROOM_PORT),
    CONTROL_ROOM_HOST: HOST,
    CONTROL_ROOM_ACTIONS: 'true',
    CONTROL_ROOM_ADMIN_TOKEN: adminToken(layout),
    KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
    REDIS_URL: endpoints.redisUrl,
    ...(options.jaegerUiUrl ? { JAEGER_UI_URL: options.jaegerUiUrl } : {}),
  };
  fs.writeSync(fd, `==== ${new Date().toISOString()} shop: starting ${CONTROL_ROOM}\n`);
  const pid = await new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: layout.root,
      env: childEnv(process.env, env),
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    child.once('error', (error) => reject(new ShopError(`${CONTROL_ROOM}: ${error.message}`)));
    child.once('spawn', () => {
      fs.closeSync(fd);
      child.unref();
      if (child.pid === undefined) reject(new ShopError(`${CONTROL_ROOM}: started without a pid`));
      else resolve(child.pid);
    });
  });
  writePidFile(f.pid, {
    component: `tool-${CONTROL_ROOM}`,
    pid,
    port: CONTROL_ROOM_PORT,
    marker: f.entry,
    startedAt: new Date().toISOString(),
    logFile: f.log,
  });
  const started = Date.now();
  while (!(await answersReady(1_000))) {
    if (!isAlive(pid)) {
      removePidFile(f.pid);
      throw new ShopError(
        `${CONTROL_ROOM} exited while starting; see ${path.relative(layout.root, f.log)}`,
      );
    }
    if (Date.now() - started > READY_WITHIN_MS) {
      throw new ShopError(
        `${CONTROL_ROOM} did not answer within ${formatElapsed(READY_WITHIN_MS)}; see ${path.relative(layout.root, f.log)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  log(
    `  ${CONTROL_ROOM}: started (pid ${pid}, ${controlRoomUrl()}) in ${formatElapsed(Date.now() - started)}`,
  );
  return { pid, reused: false };
}

/** SIGTERM (it stops a running demo and closes its streams), SIGKILL if it lingers. */
export async function stopControlRoom(layout: InfraLayout, log: Log): Promise<void> {
  const f = files(layout);
  const pid = controlRoomPid(layout);
  if (pid === null) {
    removePidFile(f.pid);
    return;
  }
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_WITHIN_MS;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) {
    log(
      `  ${CONTROL_ROOM} (pid ${pid}) did not stop within ${formatElapsed(STOP_WITHIN_MS)}: SIGKILL`,
    );
    signal(pid, 'SIGKILL');
  } else {
    log(`  ${CONTROL_ROOM} stopped (pid ${pid})`);
  }
  removePidFile(f.pid);
}
