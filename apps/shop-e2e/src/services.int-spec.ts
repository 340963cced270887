import { testEndpoints, waitFor } from '@seckill/testing';
import { migrateAll, SERVICES, serviceEnv, serviceSpec, provisionAllTopics } from './infra';
import { getJson, RunningService, startService } from './service-process';

/**
 * Every service boots against the real infrastructure, reports ready with a check for each of
 * its dependencies, serves metrics, and drains and exits cleanly on SIGTERM. Ports are offset
 * by 100 so a shop running on the usual ports is not disturbed.
 */
const PORT_OFFSET = 100;
const endpoints = testEndpoints();
const running: RunningService[] = [];

/** Each service's readiness checks: its real dependencies (and the gateway's own warm-up). */
const EXPECTED_CHECKS: Record<string, string[]> = {
  gateway: ['order-service', 'redis', 'warm-up'],
  'order-service': ['kafka', 'postgres', 'redis'],
  'inventory-service': ['kafka', 'postgres'],
  'payment-service': ['kafka', 'postgres'],
  'logistics-service': ['kafka', 'postgres'],
  'notification-service': ['kafka', 'notification-feed', 'postgres'],
};

beforeAll(async () => {
  const log = (line: string) => process.stdout.write(`[e2e] ${line}\n`);
  await migrateAll(endpoints, log);
  await provisionAllTopics(endpoints.kafkaBrokers, log);
  for (const spec of SERVICES) {
    const env = serviceEnv(spec, endpoints);
    env.PORT = String(spec.port + PORT_OFFSET);
    env.LOG_LEVEL = 'info';
    if (spec.name === 'gateway') {
      env.ORDER_SERVICE_URL = `http://127.0.0.1:${serviceSpec('order-service').port + PORT_OFFSET}`;
      env.NOTIFICATION_SERVICE_URL = `http://127.0.0.1:${serviceSpec('notification-service').port + PORT_OFFSET}`;
    }
    running.push(startService(spec, env));
  }
}, 180_000);

afterAll(async () => {
  for (const service of running) {
    if (service.child.exitCode === null && service.child.signalCode === null)
      service.child.kill('SIGKILL');
  }
  await Promise.all(running.map((service) => service.exited));
});

describe.each(SERVICES.map((spec) => [spec.name]))('%s', (name) => {
  const service = () => {
    const found = running.find((r) => r.spec.name === name);
    if (!found) throw new Error(`${name} was not started`);
    return found;
  };

  it('boots and reports ready, checking each real dependency', async () => {
    let last: unknown;
    await waitFor(
      async () => {
        const ready = await getJson(service().port, '/health/ready');
        last = ready.body;
        return ready.status === 200;
      },
      `${name} to report ready`,
      { timeoutMs: 90_000, intervalMs: 250 },
    ).catch((error: Error) => {
      throw new Error(
        `${error.message}\nlast report: ${JSON.stringify(last)}\n${service().output().slice(-3000)}`,
      );
    });
    const ready = await getJson(service().port, '/health/ready');
    const checks = (ready.body as { checks: Record<string, { status: string; gating?: false }> })
      .checks;
    const expected = EXPECTED_CHECKS[name] ?? [];
    expect(
      Object.keys(checks)
        .filter((c) => !c.startsWith('consumer:'))
        .sort(),
    ).toEqual(expected);
    // Ready means every check that gates readiness is up; a non-gating one (order-service's
    // read-model consumer, still joining its group) is reported either way.
    const gating = Object.values(checks).filter((check) => check.gating !== false);
    expect(gating.map((check) => check.status)).toEqual(gating.map(() => 'up'));
    const consumers = Object.entries(checks).filter(([c]) => c.startsWith('consumer:'));
    expect(consumers.map(([c, check]) => [c, check.gating ?? true])).toEqual(
      consumers.map(([c]) => [c, name !== 'order-service']),
    );
  });

  it('answers liveness and serves Prometheus metrics', async () => {
    const live = await getJson(service().port, '/health/live');
    expect(live).toMatchObject({ status: 200, body: { status: 'live' } });
    const metrics = await getJson(service().port, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.type).toContain('text/plain');
    expect(metrics.body).toContain('process_cpu_user_seconds_total');
    expect(metrics.body).toContain(
      `http_request_duration_seconds_count{service="${name}",method="GET",route="/health/live",status_code="200"}`,
    );
  });

  it('answers unknown routes with a problem+json 404 carrying the request id', async () => {
    const response = await fetch(`http://127.0.0.1:${service().port}/no/such/route`, {
      headers: { 'x-request-id': 'e2e-req-1' },
    });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.headers.get('x-request-id')).toBe('e2e-req-1');
    expect(await response.json()).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
      requestId: 'e2e-req-1',
    });
  });

  it('logs structured JSON lines carrying the service name', () => {
    const lines = service()
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ service: name });
  });

  it('drains and exits 0 on SIGTERM', async () => {
    service().child.kill('SIGTERM');
    const { code } = await service().exited;
    expect(code).toBe(0);
    expect(service().output()).toContain('shutdown requested, draining');
    expect(service().output()).toContain('shutdown complete');
  });
});
