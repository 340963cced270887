/**
 * The processes the hot-path bench starts for itself, on ports of its own: its gateways (with the
 * rate limits each run needs), the ceiling servers, and the profiled order-service. Each is a
 * child stopped by its pid (children.ts); its log goes to the run's directory.
 */
import * as path from 'node:path';
import { HOST, serviceEnv, serviceSpec } from '../../engine/infra';
import { type Child, startChild } from '../children';
import type { HotPathRun } from './context';

export const PORTS = {
  ceiling: 3190,
  gateway: 3180,
  gatewayTinyRate: 3181,
  profiledGateway: 3182,
  profiledOrderService: 3183,
};

/** The bench gateway's limits: generous enough that the buckets never bind. */
export const GENEROUS_LIMITS = {
  RATE_LIMIT_GLOBAL_RATE: '1000000',
  RATE_LIMIT_GLOBAL_BURST: '1000000',
  RATE_LIMIT_USER_RATE: '100000',
  RATE_LIMIT_USER_BURST: '100000',
};
/** The rate-limited run's gateway: one request a second per sale passes, the rest are 429. */
export const TINY_GLOBAL_LIMIT = {
  ...GENEROUS_LIMITS,
  RATE_LIMIT_GLOBAL_RATE: '1',
  RATE_LIMIT_GLOBAL_BURST: '1',
};

/** A gateway from the compiled shop on `port`, forwarding to `upstream`. */
export function startGateway(
  run: HotPathRun,
  port: number,
  limits: Record<string, string>,
  name: string,
  extra: string[] = [],
  upstream = run.opts.orderServiceUrl,
): Promise<Child> {
  const spec = serviceSpec('gateway');
  const env = {
    ...process.env,
    ...serviceEnv(spec, run.endpoints),
    ...limits,
    PORT: String(port),
    ORDER_SERVICE_URL: upstream,
  };
  return startChild({
    label: name,
    cmd: process.execPath,
    args: ['--enable-source-maps', ...extra, path.join(run.root, spec.entry)],
    env,
    cwd: run.root,
    logFile: path.join(run.runDir, `${name}.log`),
    readyUrl: `http://${HOST}:${port}/health/ready`,
  });
}

/** A ceiling server (infra/bench/ceiling-server.ts): it answers any request on one port. */
export function startCeilingServer(
  run: HotPathRun,
  kind: 'node' | 'fastify',
  label: string,
  logName: string,
): Promise<Child> {
  return startChild({
    label,
    cmd: process.execPath,
    args: [
      '-r',
      '@swc-node/register',
      path.join(run.root, 'infra/bench/ceiling-server.ts'),
      '--port',
      String(PORTS.ceiling),
      ...(kind === 'fastify' ? ['--kind', 'fastify'] : []),
    ],
    env: process.env,
    cwd: run.root,
    logFile: path.join(run.runDir, logName),
    readyUrl: `http://${HOST}:${PORTS.ceiling}/`,
  });
}

/** A second order-service instance on its own port, with `extra` node flags (--cpu-prof). */
export function startProfiledOrderService(run: HotPathRun, extra: string[]): Promise<Child> {
  const osSpec = serviceSpec('order-service');
  return startChild({
    label: 'order-service-profiled',
    cmd: process.execPath,
    args: ['--enable-source-maps', ...extra, path.join(run.root, osSpec.entry)],
    env: {
      ...process.env,
      ...serviceEnv(osSpec, run.endpoints),
      PORT: String(PORTS.profiledOrderService),
    },
    cwd: run.root,
    logFile: path.join(run.runDir, 'order-service-profiled.log'),
    readyUrl: `http://${HOST}:${PORTS.profiledOrderService}/health/ready`,
    timeoutMs: 120_000,
  });
}
