import { randomBytes, randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { ConsumerGroup } from '@seckill/contracts';
import { testEndpoints, waitFor } from '@seckill/testing';
import {
  infraLayout,
  type JaegerHandle,
  jaegerPorts,
  jaegerUiUrl,
  otlpEndpoint,
  readyJaeger,
  startJaeger,
  stopJaeger,
  migrateAll,
  provisionAllTopics,
} from './infra';
import { ShopUnderTest } from './shop-under-test';

/**
 * One purchase is one trace (docs/tracing.md): the six compiled services with tracing on, on
 * the real PostgreSQL, Redis and Kafka, export to a real Jaeger (infra/local/jaeger.ts, its own
 * instance on its own ports); one purchase goes through the gateway to SHIPPED, and Jaeger's
 * HTTP API must then hold one trace with every hop, from the HTTP request to `shipment.created`.
 * Ports are offset by 600 (Jaeger's too), so it never meets a shop or another test.
 */
const log = (line: string) => process.stdout.write(`[tracing] ${line}\n`);
const OFFSET = 600;
const JAEGER = 'jaeger-e2e';
const layout = infraLayout();
const ports = jaegerPorts(OFFSET);
const endpoints = testEndpoints();
const shop = new ShopUnderTest(endpoints, OFFSET, (name) => {
  const env: Record<string, string> = {
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint(ports),
    OTEL_TRACES_SAMPLER: 'parentbased_always_on',
  };
  if (name === 'payment-service') {
    // Every payment succeeds at once: the trace must reach shipment.created.
    env.PAYMENT_FAILURE_RATE = '0';
    env.PAYMENT_TIMEOUT_RATE = '0';
    env.PAYMENT_LATENCY_MS = '5';
  }
  return env;
});
let jaeger: JaegerHandle | undefined;

/** Jaeger's JSON trace (`/api/traces/<id>`), the fields this test reads. */
interface JaegerTrace {
  readonly traceID: string;
  readonly spans: ReadonlyArray<{
    readonly spanID: string;
    readonly operationName: string;
    readonly processID: string;
    readonly references: ReadonlyArray<{ readonly refType: string; readonly spanID: string }>;
    readonly tags: ReadonlyArray<{ readonly key: string; readonly value: unknown }>;
  }>;
  readonly processes: Readonly<Record<string, { readonly serviceName: string }>>;
}

interface Span {
  readonly service: string;
  readonly name: string;
  readonly id: string;
  readonly parent: string | undefined;
  readonly tags: Readonly<Record<string, unknown>>;
}

async function traceOf(traceId: string): Promise<Span[]> {
  const answer = await fetch(`${jaegerUiUrl(ports)}/api/traces/${traceId}`, {
    signal: AbortSignal.timeout(5_000),
  });
  if (answer.status === 404) return [];
  expect(answer.status).toBe(200);
  const body = (await answer.json()) as { data: JaegerTrace[] };
  return (body.data[0]?.spans ?? []).map((span) => ({
    service: body.data[0]?.processes[span.processID]?.serviceName ?? '?',
    name: span.operationName,
    id: span.spanID,
    parent: span.references.find((r) => r.refType === 'CHILD_OF')?.spanID,
    tags: Object.fromEntries(span.tags.map((t) => [t.key, t.value])),
  }));
}

/** The saga's consumer groups that have more than `max` members, with their counts. */
async function crowdedGroups(max: number): Promise<string[]> {
  const kafka = new Kafka({
    clientId: 'tracing-e2e',
    brokers: [...endpoints.kafkaBrokers],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups(Object.values(ConsumerGroup));
    return groups
      .filter((group) => group.members.length > max)
      .map((group) => `${group.groupId} (${group.members.length} members)`);
  } finally {
    await admin.disconnect();
  }
}

/**
 * The groups, the databases and the outboxes are the shop's: a shop (or another test's services)
 * running beside this test would take part of the purchase (a partition, a payment intent, an
 * outbox row) untraced, and the trace would break there for a reason that is not a defect. So
 * the test waits for the groups to be empty (a killed test's members leave after the 10 s
 * session timeout), and refuses to run beside a shop.
 */
async function untilAlone(): Promise<void> {
  let crowded: string[] = [];
  await waitFor(async () => (crowded = await crowdedGroups(0)).length === 0, 'no other consumers', {
    timeoutMs: 30_000,
    intervalMs: 1_000,
  }).catch(() => {
    throw new Error(
      `other processes consume the saga's topics (${crowded.join(', ')}): a running shop or ` +
        `test would take part of the purchase, untraced. Stop it ("npm run shop -- stop") and ` +
        `run this test again.`,
    );
  });
}

/** Who else consumes: what a failure prints first. */
async function groupMembers(): Promise<string> {
  const shared = await crowdedGroups(1);
  return shared.length === 0
    ? "every consumer group has one member (this test's)"
    : `groups shared with other consumers: ${shared.join(', ')}`;
}

/** What Jaeger holds besides the trace (a hop that started a trace of its own shows here). */
async function elsewhere(): Promise<string> {
  const lines: string[] = [await groupMembers()];
  const services = (await (await fetch(`${jaegerUiUrl(ports)}/api/services`)).json()) as {
    data: string[] | null;
  };
  lines.push(`services in Jaeger: ${(services.data ?? []).join(', ')}`);
  for (const service of services.data ?? []) {
    const answer = await fetch(
      `${jaegerUiUrl(ports)}/api/traces?service=${service}&limit=3&lookback=1h`,
    );
    const body = (await answer.json()) as { data: JaegerTrace[] | null };
    for (const trace of body.data ?? []) {
      const names = trace.spans.map(
        (s) => `${trace.processes[s.processID]?.serviceName}: ${s.operationName}`,
      );
      lines.push(`  ${service} trace ${trace.traceID}: ${names.join(' | ')}`);
    }
  }
  return lines.join('\n');
}

/** `service: span name`, the way the assertions below list what a trace must hold. */
const label = (span: Span) => `${span.service}: ${span.name}`;

/** Every hop of a purchase, from the request to the last consumer of `shipment.created`. */
const HOPS = [
  'gateway: POST /api/sales/:saleId/orders',
  'order-service: POST /api/sales/:saleId/orders',
  'order-service: EVALSHA seckill.admission',
  'order-service: send order.created',
  'inventory-service: process order.created',
  'inventory-service: send inventory.reserved',
  'payment-service: process inventory.reserved',
  'payment-service: payment capture',
  'payment-service: send payment.succeeded',
  'logistics-service: process payment.succeeded',
  'logistics-service: send shipment.created',
  'notification-service: process shipment.created',
  'order-service: process shipment.created',
];

beforeAll(async () => {
  await migrateAll(endpoints, log);
  await provisionAllTopics(endpoints.kafkaBrokers, log);
  await untilAlone();
  // Built with Go on first use (minutes on a fresh machine), then cached in .cache/.
  jaeger = await startJaeger(layout, log, { name: JAEGER, ports });
  await readyJaeger(jaeger, log);
  await shop.startAll();
}, 30 * 60_000);

afterAll(async () => {
  await shop.close();
  if (jaeger) await stopJaeger(layout, log, JAEGER);
});

it('traces one purchase as one trace, from the HTTP request to shipment.created', async () => {
  const now = Date.now();
  const created = await shop.call('/api/admin/sales', {
    token: shop.token('tracing-admin', 'admin'),
    json: {
      name: `tracing ${randomUUID().slice(0, 8)}`,
      price: 1500,
      stock: 5,
      perUserLimit: 1,
      startsAt: new Date(now - 60_000).toISOString(),
      endsAt: new Date(now + 3_600_000).toISOString(),
    },
  });
  expect(created.status).toBe(201);
  const saleId = String(created.body.id);
  await waitFor(
    async () =>
      (await shop.call(`/api/sales/${saleId}`)).body.remainingStock === 5 &&
      (
        await shop.rows('inventory-service', 'SELECT 1 FROM sale_stock WHERE sale_id = $1', [
          saleId,
        ])
      ).length === 1,
    'the sale to be loaded and stocked',
  );

  // The client starts the trace: the gateway continues its traceparent, so the id is known.
  const traceId = randomBytes(16).toString('hex');
  const clientSpan = randomBytes(8).toString('hex');
  const userId = `tracing-${randomUUID().slice(0, 8)}`;
  const token = shop.token(userId);
  const bought = await fetch(`${shop.url('gateway')}/api/sales/${saleId}/orders`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      traceparent: `00-${traceId}-${clientSpan}-01`,
    },
    body: JSON.stringify({ quantity: 1 }),
    signal: AbortSignal.timeout(10_000),
  });
  expect(bought.status).toBe(202);
  const { orderId } = (await bought.json()) as { orderId: string };

  let status = '';
  await waitFor(
    async () => {
      status = String((await shop.call(`/api/orders/${orderId}`, { token })).body.status);
      return status === 'SHIPPED';
    },
    `order ${orderId} to be SHIPPED`,
    { timeoutMs: 60_000, intervalMs: 250 },
  ).catch((error: Error) => {
    throw new Error(`${error.message} (last status ${status})\n${shop.logs()}`);
  });

  // Spans leave each service in batches (every second) and Jaeger stores them 200 ms later.
  let spans: Span[] = [];
  await waitFor(
    async () => {
      spans = await traceOf(traceId);
      const seen = new Set(spans.map(label));
      return HOPS.every((hop) => seen.has(hop));
    },
    `trace ${traceId} to hold every hop`,
    { timeoutMs: 30_000, intervalMs: 500 },
  ).catch(async (error: Error) => {
    const seen = [...new Set(spans.map(label))].sort();
    throw new Error(
      `${error.message}\nmissing: ${HOPS.filter((h) => !seen.includes(h)).join(', ')}\nseen: ${seen.join(', ')}\n${await elsewhere()}`,
    );
  });

  // One trace: every span hangs from another span of it, but the gateway's, whose parent is
  // the client's (not exported).
  const ids = new Set(spans.map((span) => span.id));
  const roots = spans.filter((span) => span.parent === undefined || !ids.has(span.parent));
  expect(roots.map(label)).toEqual(['gateway: POST /api/sales/:saleId/orders']);
  expect(roots[0]?.parent).toBe(clientSpan);

  // Each hop hangs where it belongs: a consumer under its producer, a producer under the work
  // that wrote the event.
  const byLabel = new Map(spans.map((span) => [label(span), span]));
  const parentOf = (hop: string) => {
    const parent = spans.find((span) => span.id === byLabel.get(hop)?.parent);
    return parent && label(parent);
  };
  // Each hop's parent: the chain from the buyer's request to the last consumer, unbroken.
  const chain: [hop: string, parent: string][] = [
    ['order-service: POST /api/sales/:saleId/orders', 'gateway: POST /api/sales/:saleId/orders'],
    ['order-service: EVALSHA seckill.admission', 'order-service: POST /api/sales/:saleId/orders'],
    ['order-service: send order.created', 'order-service: POST /api/sales/:saleId/orders'],
    ['inventory-service: process order.created', 'order-service: send order.created'],
    ['inventory-service: send inventory.reserved', 'inventory-service: process order.created'],
    ['payment-service: process inventory.reserved', 'inventory-service: send inventory.reserved'],
    ['payment-service: payment capture', 'payment-service: process inventory.reserved'],
    ['payment-service: send payment.succeeded', 'payment-service: payment capture'],
    ['logistics-service: process payment.succeeded', 'payment-service: send payment.succeeded'],
    ['logistics-service: send shipment.created', 'logistics-service: process payment.succeeded'],
    ['notification-service: process shipment.created', 'logistics-service: send shipment.created'],
  ];
  expect(chain.map(([hop]) => [hop, parentOf(hop)])).toEqual(chain);

  // The consumer spans carry the messaging semantic conventions.
  expect(byLabel.get('logistics-service: process payment.succeeded')?.tags).toMatchObject({
    'messaging.system': 'kafka',
    'messaging.operation.type': 'process',
    'messaging.destination.name': 'payment.succeeded',
    'messaging.consumer.group.name': 'logistics-service',
    'messaging.destination.partition.id': expect.any(String),
    'messaging.kafka.offset': expect.any(Number),
  });
  expect(byLabel.get('order-service: EVALSHA seckill.admission')?.tags).toMatchObject({
    'db.system.name': 'redis',
    'seckill.admission.outcome': 'ACCEPTED',
  });
});
