import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { JwtCodec, type Role } from '@seckill/auth';
import { saleKeys } from '@seckill/redis';
import { testEndpoints, uniqueName, waitFor } from '@seckill/testing';
import { serviceEnv, serviceSpec } from './infra';
import { RunningService, startService } from './service-process';

/**
 * The compiled gateway (dist/) as a real process, in front of a stub order-service (a plain
 * HTTP server in this test: the gateway's behaviour must not depend on the real one). Two
 * instances share Redis: A hands out dev tokens, B does not. Covers the bad-input matrix (every
 * client mistake is a 4xx problem, never a 5xx), forwarding, the token buckets across both
 * instances, the sold-out fast path and an unreachable order-service.
 */
const SECRET = 'e2e-gateway-secret-that-is-long-enough';
const codec = new JwtCodec(SECRET, 600);
const GLOBAL_RATE = 20;
const GLOBAL_BURST = 10;
const UPSTREAM_TIMEOUT_MS = 300;
const PURCHASE_DEADLINE_MS = 200;
const PURCHASE_ANSWER_GRACE_MS = 100;

const endpoints = testEndpoints();
const redis = new Redis(endpoints.redisUrl);

// ---------------------------------------------------------------------------------------------
// The stub order-service: records what reaches it and answers by sale id prefix.

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

const received: Received[] = [];
/** Answers the stub holds back (sales `hold-*`) until a test lets them go. */
const held: Array<() => void> = [];
const releaseHeld = () => held.splice(0).forEach((send) => send());
const reaching = (fragment: string) => received.filter((r) => r.url.includes(fragment)).length;

function answer(
  response: ServerResponse,
  status: number,
  body: unknown,
  type = 'application/json',
) {
  response.writeHead(status, { 'content-type': type, 'x-internal': 'not for clients' });
  response.end(JSON.stringify(body));
}

function orderService(request: IncomingMessage, response: ServerResponse, body: string): void {
  const url = request.url ?? '';
  if (url === '/health/live') return answer(response, 200, { status: 'live' });
  received.push({ method: request.method ?? '', url, headers: request.headers, body });
  const problem = (status: number, code: string) =>
    answer(response, status, { status, code }, 'application/problem+json');
  // What order-service answers for a sale it does not have (the gateway's warm-up's included).
  if (url.startsWith('/api/sales/unknown-') || url.startsWith('/api/sales/warm-up-unknown-')) {
    return problem(404, 'SALE_NOT_FOUND');
  }
  if (url.startsWith('/api/sales/gone-')) return problem(409, 'SOLD_OUT');
  if (url.startsWith('/api/sales/hold-')) {
    held.push(() => answer(response, 202, { orderId: 'o-held', status: 'PENDING' }));
    return;
  }
  if (url.startsWith('/api/sales/slow-')) {
    setTimeout(() => answer(response, 202, {}), UPSTREAM_TIMEOUT_MS * 5).unref();
    return;
  }
  if (request.method === 'POST' && url === '/api/admin/sales') {
    return answer(response, 201, { id: 'sale-1', ...JSON.parse(body) });
  }
  if (request.method === 'POST' && url.endsWith('/orders')) {
    response.setHeader('location', '/api/orders/o-1');
    return answer(response, 202, {
      orderId: 'o-1',
      status: 'PENDING',
      statusUrl: '/api/orders/o-1',
    });
  }
  return answer(response, 200, { url });
}

let stub: Server;
let gatewayA: RunningService;
let gatewayB: RunningService;
/** Two purchases in flight at most, none waiting: the concurrency limit, reached on purpose. */
let narrow: RunningService;
const NARROW_IN_FLIGHT = 2;
/**
 * Two more gateways whose deadlines are far away, for the crowd test: it counts what the shared
 * global bucket lets through, and on a loaded machine a few of 80 simultaneous purchases took
 * longer than the 200 ms deadline the other tests need, which is not what it tests.
 */
let unhurriedA: RunningService;
let unhurriedB: RunningService;
/** What reached the stub while a gateway with the default warm-up started (see its test). */
let warmUp: { readonly received: Received[]; readonly ready: unknown };
const WARM_UP_REQUESTS = 400;
const UNHURRIED = { PURCHASE_DEADLINE_MS: '30000', UPSTREAM_TIMEOUT_MS: '30000' };

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listen(probe);
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function startGateway(
  upstreamPort: number,
  devTokens: boolean,
  overrides: Record<string, string> = {},
): Promise<RunningService> {
  const env = serviceEnv(serviceSpec('gateway'), endpoints);
  env.PORT = String(await freePort());
  env.LOG_LEVEL = 'warn';
  env.ORDER_SERVICE_URL = `http://127.0.0.1:${upstreamPort}`;
  env.JWT_SECRET = SECRET;
  env.UPSTREAM_TIMEOUT_MS = String(UPSTREAM_TIMEOUT_MS);
  env.RATE_LIMIT_GLOBAL_RATE = String(GLOBAL_RATE);
  env.RATE_LIMIT_GLOBAL_BURST = String(GLOBAL_BURST);
  env.PURCHASE_DEADLINE_MS = String(PURCHASE_DEADLINE_MS);
  env.PURCHASE_ANSWER_GRACE_MS = String(PURCHASE_ANSWER_GRACE_MS);
  // A loaded test machine's GC pauses must not shed the tests' single purchases (the shedding
  // itself is unit-tested in purchase-front-door.spec.ts).
  env.SHED_EVENT_LOOP_LAG_MS = '10000';
  // Only the gateway of the warm-up test warms up: the others' tests count what reaches the stub.
  env.WARM_UP_REQUESTS = '0';
  if (devTokens) env.DEV_TOKEN_ENABLED = 'true';
  else delete env.DEV_TOKEN_ENABLED;
  const gateway = startService(serviceSpec('gateway'), { ...env, ...overrides });
  await waitFor(
    async () => (await fetch(`http://127.0.0.1:${gateway.port}/health/ready`)).status === 200,
    `gateway on ${gateway.port} to report ready`,
    { timeoutMs: 30_000, intervalMs: 100 },
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${gateway.output().slice(-3000)}`);
  });
  return gateway;
}

beforeAll(async () => {
  stub = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => orderService(request, response, body));
  });
  const upstreamPort = await listen(stub);
  [gatewayA, gatewayB, narrow, unhurriedA, unhurriedB] = await Promise.all([
    startGateway(upstreamPort, true),
    startGateway(upstreamPort, false),
    startGateway(upstreamPort, false, {
      UPSTREAM_MAX_IN_FLIGHT: String(NARROW_IN_FLIGHT),
      UPSTREAM_MAX_WAITING: '0',
      UPSTREAM_CONNECTIONS: String(NARROW_IN_FLIGHT),
      // Held answers must not time out while the test looks at the limit.
      PURCHASE_DEADLINE_MS: '30000',
    }),
    startGateway(upstreamPort, false, UNHURRIED),
    startGateway(upstreamPort, false, UNHURRIED),
  ]);
  // Alone, so that whatever reaches the stub meanwhile is its warm-up.
  const warming = await startGateway(upstreamPort, false, {
    WARM_UP_REQUESTS: String(WARM_UP_REQUESTS),
  });
  const ready = await (await fetch(`http://127.0.0.1:${warming.port}/health/ready`)).json();
  warmUp = { received: received.splice(0), ready };
  warming.child.kill('SIGTERM');
  await warming.exited;
}, 60_000);

afterAll(async () => {
  releaseHeld();
  const gateways = [gatewayA, gatewayB, narrow, unhurriedA, unhurriedB];
  for (const gateway of gateways) {
    if (gateway && gateway.child.exitCode === null) gateway.child.kill('SIGTERM');
  }
  await Promise.all(gateways.map((gateway) => gateway?.exited));
  stub?.closeAllConnections();
  await new Promise((resolve) => stub?.close(resolve));
  await redis.quit();
});

// ---------------------------------------------------------------------------------------------
// Calling the gateway

interface Call {
  readonly method?: 'GET' | 'POST';
  readonly token?: string;
  readonly json?: unknown;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly gateway?: RunningService;
}

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

async function call(path: string, options: Call = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  }
  const port = (options.gateway ?? gatewayA).port;
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

const tokenFor = (userId: string, role: Role = 'user') => codec.sign({ userId, role });
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** What a problem answer is judged on; compared with `problem(status, code)`. */
function summary(answer: Answer) {
  return {
    status: answer.status,
    code: answer.body.code,
    problemJson: (answer.headers.get('content-type') ?? '').includes('application/problem+json'),
    carriesRequestId: answer.body.requestId === answer.headers.get('x-request-id'),
  };
}

/** A problem from the gateway itself; one relayed from the stub carries no request id. */
const problem = (status: number, code: string, from: 'gateway' | 'upstream' = 'gateway') => ({
  status,
  code,
  problemJson: true,
  carriesRequestId: from === 'gateway',
});

// ---------------------------------------------------------------------------------------------

describe('the bad-input matrix: every client mistake is a 4xx problem, never a 5xx', () => {
  const user = () => tokenFor(uniqueName('user'));
  const orders = () => `/api/sales/${uniqueName('sale')}/orders`;

  const cases: [string, () => [string, Call], number, string][] = [
    ['no token', () => [orders(), { json: {} }], 401, 'UNAUTHORIZED'],
    [
      'an expired token',
      () => [
        orders(),
        { json: {}, token: codec.sign({ userId: 'u-1', role: 'user' }, nowSeconds() - 3600) },
      ],
      401,
      'UNAUTHORIZED',
    ],
    [
      'a token signed with another key',
      () => [
        orders(),
        {
          json: {},
          token: new JwtCodec('some-other-secret-that-is-long-enough').sign({
            userId: 'u-1',
            role: 'admin',
          }),
        },
      ],
      401,
      'UNAUTHORIZED',
    ],
    [
      'alg none',
      () => [
        orders(),
        {
          json: {},
          token: `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'u-1', role: 'admin', iss: 'seckill', exp: nowSeconds() + 600 })}.`,
        },
      ],
      401,
      'UNAUTHORIZED',
    ],
    [
      'malformed JSON',
      () => [
        orders(),
        { token: user(), body: '{"quantity":', headers: { 'content-type': 'application/json' } },
      ],
      400,
      'BAD_REQUEST',
    ],
    [
      'a wrong content type',
      () => [
        orders(),
        { token: user(), body: 'quantity=1', headers: { 'content-type': 'text/plain' } },
      ],
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'a form body',
      () => [
        orders(),
        {
          token: user(),
          body: 'quantity=1',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        },
      ],
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'an oversize body',
      () => [orders(), { token: user(), json: { quantity: 1, pad: 'x'.repeat(5000) } }],
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    [
      'a negative quantity',
      () => [orders(), { token: user(), json: { quantity: -1 } }],
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a huge quantity',
      () => [orders(), { token: user(), json: { quantity: 1e12 } }],
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a quantity of the wrong type',
      () => [orders(), { token: user(), json: { quantity: '1' } }],
      400,
      'VALIDATION_FAILED',
    ],
    [
      'an unknown field',
      () => [orders(), { token: user(), json: { quantity: 1, userId: 'someone-else' } }],
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a body that is not an object',
      () => [orders(), { token: user(), json: [1, 2] }],
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a malformed sale id',
      () => ['/api/sales/%7Bsale%3A1%7D/orders', { token: user(), json: {} }],
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a malformed Idempotency-Key',
      () => [orders(), { token: user(), json: {}, headers: { 'idempotency-key': 'has spaces' } }],
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a malformed order id',
      () => ['/api/orders/a.b', { token: user() }],
      400,
      'VALIDATION_FAILED',
    ],
    ['an order without a token', () => ['/api/orders/o-1', {}], 401, 'UNAUTHORIZED'],
    [
      'a sale created by a user',
      () => ['/api/admin/sales', { token: user(), json: {} }],
      403,
      'FORBIDDEN',
    ],
    [
      'an invalid sale',
      () => [
        '/api/admin/sales',
        {
          token: tokenFor('admin-1', 'admin'),
          json: { name: 'x', price: 1, stock: 0, startsAt: 'soon', endsAt: 'later' },
        },
      ],
      400,
      'VALIDATION_FAILED',
    ],
    [
      'an invalid dev-token request',
      () => ['/api/auth/dev-token', { json: { userId: 'has spaces', role: 'root' } }],
      400,
      'VALIDATION_FAILED',
    ],
    ['an unknown route', () => ['/api/nowhere', {}], 404, 'NOT_FOUND'],
  ];

  it.each(cases)('%s', async (_label, request, status, code) => {
    const [path, options] = request();
    const answer = await call(path, options);
    expect(summary(answer)).toEqual(problem(status, code));
  });

  it('lists each wrong field in errors', async () => {
    const answer = await call(orders(), {
      token: user(),
      json: { quantity: 0, userId: 'someone-else' },
    });
    expect(summary(answer)).toEqual(problem(400, 'VALIDATION_FAILED'));
    expect(answer.body.errors).toEqual([
      { path: 'quantity', message: expect.any(String) },
      { path: 'userId', message: 'unknown field' },
    ]);
  });

  it('relays an unknown sale as order-service answered it', async () => {
    const saleId = uniqueName('unknown');
    const answer = await call(`/api/sales/${saleId}/orders`, { token: user(), json: {} });
    expect(summary(answer)).toEqual(problem(404, 'SALE_NOT_FOUND', 'upstream'));
    expect(summary(await call(`/api/sales/${saleId}`))).toEqual(
      problem(404, 'SALE_NOT_FOUND', 'upstream'),
    );
    expect(answer.headers.get('x-internal')).toBeNull();
  });

  it('never let a rejected request reach order-service', () => {
    expect(received.filter((r) => !r.url.includes('/unknown-'))).toEqual([]);
  });
});

describe('the warm-up before ready', () => {
  it('reports ready only once warmed up, and sends order-service nothing a buyer could buy', () => {
    expect(warmUp.ready).toMatchObject({
      status: 'ready',
      checks: { 'warm-up': { status: 'up' } },
    });
    // A quarter of the warm-up are whole purchases of a sale that does not exist; the door's
    // sold-out answers, the invalid bodies and the missing tokens never leave the gateway.
    expect(warmUp.received.length).toBeGreaterThan(0);
    expect(warmUp.received.length).toBeLessThanOrEqual(WARM_UP_REQUESTS / 4);
    for (const request of warmUp.received) {
      expect(request.method).toBe('POST');
      expect(request.url).toMatch(/^\/api\/sales\/warm-up-unknown-[0-9a-f-]{36}\/orders$/);
    }
  });
});

describe('dev tokens', () => {
  it('signs a token when enabled, one the gateway then accepts', async () => {
    const issued = await call('/api/auth/dev-token', { json: { userId: 'alice', role: 'admin' } });
    expect(issued.status).toBe(200);
    expect(Object.keys(issued.body)).toEqual(['token']);
    expect(codec.verify(String(issued.body.token))).toEqual({ userId: 'alice', role: 'admin' });
  });

  it('does not exist when disabled', async () => {
    const answer = await call('/api/auth/dev-token', {
      json: { userId: 'alice' },
      gateway: gatewayB,
    });
    expect(summary(answer)).toEqual(problem(404, 'NOT_FOUND'));
  });
});

describe('forwarding to order-service', () => {
  it('passes the token, idempotency key, request id and trace context; relays the answer', async () => {
    const saleId = uniqueName('sale');
    const token = tokenFor('u-forward');
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const answer = await call(`/api/sales/${saleId}/orders`, {
      token,
      json: { quantity: 2 },
      headers: { 'idempotency-key': 'key-1', traceparent, 'x-request-id': 'e2e-forward-1' },
    });
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({
      orderId: 'o-1',
      status: 'PENDING',
      statusUrl: '/api/orders/o-1',
    });
    expect(answer.headers.get('location')).toBe('/api/orders/o-1');
    expect(answer.headers.get('x-request-id')).toBe('e2e-forward-1');
    expect(answer.headers.get('ratelimit-limit')).toBe('3');
    expect(answer.headers.get('ratelimit-remaining')).toBe('2');
    expect(answer.headers.get('x-internal')).toBeNull();

    expect(answer.headers.get('idempotency-key')).toBe('key-1');
    const [forwarded] = received.filter((r) => r.url === `/api/sales/${saleId}/orders`);
    // The purchase's deadline travels with it: arrival + PURCHASE_DEADLINE_MS, epoch ms.
    const deadline = Number(forwarded?.headers['x-seckill-deadline']);
    expect(deadline).toBeGreaterThan(Date.now() - 10_000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + PURCHASE_DEADLINE_MS);
    expect(forwarded).toMatchObject({
      method: 'POST',
      body: '{"quantity":2}',
      headers: {
        authorization: `Bearer ${token}`,
        'idempotency-key': 'key-1',
        'x-request-id': 'e2e-forward-1',
        traceparent,
        'content-type': 'application/json',
      },
    });
  });

  it('forwards the body as validated, defaults applied', async () => {
    const saleId = uniqueName('sale');
    const answer = await call(`/api/sales/${saleId}/orders`, {
      method: 'POST',
      token: tokenFor('u-2'),
    });
    expect(answer.status).toBe(202);
    const forwarded = received.find((r) => r.url === `/api/sales/${saleId}/orders`);
    expect(forwarded?.body).toBe('{"quantity":1}');
    // No key from the client: the gateway assigns one, forwards it and returns it.
    const assigned = answer.headers.get('idempotency-key');
    expect(assigned).toMatch(/^gw-[0-9a-f-]{36}$/);
    expect(forwarded?.headers['idempotency-key']).toBe(assigned);
  });

  it('forwards a sale from an admin, and public and owner reads', async () => {
    const sale = {
      name: 'Phone',
      price: 99_900,
      stock: 10,
      startsAt: '2030-01-01T00:00:00Z',
      endsAt: '2030-01-01T01:00:00Z',
    };
    const created = await call('/api/admin/sales', { token: tokenFor('a-1', 'admin'), json: sale });
    expect(created).toMatchObject({ status: 201, body: { ...sale, perUserLimit: 1 } });
    expect((await call('/api/sales/s-1')).body).toEqual({ url: '/api/sales/s-1' });
    const order = await call('/api/orders/o-1', { token: tokenFor('u-1') });
    expect(order).toMatchObject({ status: 200, body: { url: '/api/orders/o-1' } });
  });

  it('answers 503 OUTCOME_UNKNOWN, with the key to settle it, when order-service answers too late', async () => {
    const answer = await call(`/api/sales/${uniqueName('slow')}/orders`, {
      token: tokenFor('u-slow'),
      json: {},
      headers: { 'idempotency-key': 'slow-key-1' },
    });
    // The purchase was sent: it may have been admitted, so "unavailable" would be a lie.
    expect(summary(answer)).toEqual(problem(503, 'OUTCOME_UNKNOWN'));
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(answer.headers.get('idempotency-key')).toBe('slow-key-1');
    expect(String(answer.body.detail)).toContain('slow-key-1');
  });

  it('relays a GET /api/users/me/orders with its validated query', async () => {
    const answer = await call('/api/users/me/orders?saleId=s-9', { token: tokenFor('u-list') });
    expect(answer.body).toEqual({ url: '/api/users/me/orders?saleId=s-9' });
    const bad = await call('/api/users/me/orders?saleId=a.b', { token: tokenFor('u-list') });
    expect(summary(bad)).toEqual(problem(400, 'VALIDATION_FAILED'));
    expect(summary(await call('/api/users/me/orders'))).toEqual(problem(401, 'UNAUTHORIZED'));
  });

  it('serves the OpenAPI document, and every route in it exists', async () => {
    const docs = await call('/api/docs');
    expect(docs.status).toBe(200);
    const paths = docs.body.paths as Record<string, Record<string, unknown>>;
    expect(Object.keys(paths).length).toBeGreaterThanOrEqual(6);
    for (const [path, operations] of Object.entries(paths)) {
      for (const method of Object.keys(operations)) {
        const answer = await call(path.replace(/\{\w+\}/g, 'x'), {
          method: method.toUpperCase() as 'GET' | 'POST',
        });
        expect({ route: `${method} ${path}`, code: answer.body.code }).not.toEqual({
          route: `${method} ${path}`,
          code: 'NOT_FOUND',
        });
      }
    }
  });
});

describe('token buckets', () => {
  it("answers 429 with Retry-After once a user's bucket is empty", async () => {
    const saleId = uniqueName('sale');
    const token = tokenFor(uniqueName('eager'));
    const statuses: number[] = [];
    let limited: Answer | undefined;
    for (let i = 0; i < 5; i += 1) {
      const answer = await call(`/api/sales/${saleId}/orders`, { token, json: {} });
      statuses.push(answer.status);
      if (answer.status === 429) limited = answer;
    }
    expect(statuses).toEqual([202, 202, 202, 429, 429]);
    expect(summary(limited!)).toEqual(problem(429, 'RATE_LIMITED'));
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited!.headers.get('ratelimit-limit')).toBe('3');
    expect(limited!.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(limited!.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(1);
    expect(reaching(saleId)).toBe(3);
  });

  it('two gateway instances together never exceed the global rate of a sale', async () => {
    const saleId = uniqueName('sale');
    const serverTime = async () => {
      const [seconds, micros] = await redis.time();
      return Number(seconds) + Number(micros) / 1e6;
    };
    const start = await serverTime();
    const answers = await Promise.all(
      Array.from({ length: 80 }, (_, i) =>
        call(`/api/sales/${saleId}/orders`, {
          token: tokenFor(`crowd-${i}`),
          json: {},
          gateway: i % 2 === 0 ? unhurriedA : unhurriedB,
        }),
      ),
    );
    const end = await serverTime();
    const accepted = answers.filter((a) => a.status === 202).length;
    const limited = answers.filter((a) => a.status === 429);
    expect(accepted + limited.length).toBe(answers.length);
    expect(accepted).toBeGreaterThanOrEqual(GLOBAL_BURST);
    expect(accepted).toBeLessThanOrEqual(Math.floor(GLOBAL_BURST + GLOBAL_RATE * (end - start)));
    expect(reaching(saleId)).toBe(accepted);
    expect(limited[0]?.body.detail).toContain('this sale');
    expect(limited[0]?.headers.get('ratelimit-limit')).toBe(String(GLOBAL_BURST));
  });
});

describe('the sold-out fast path', () => {
  const buy = (saleId: string, gateway = gatewayA) =>
    call(`/api/sales/${saleId}/orders`, {
      token: tokenFor(uniqueName('buyer')),
      json: {},
      gateway,
    });

  it("remembers order-service's 409 SOLD_OUT and answers it without calling again", async () => {
    const saleId = uniqueName('gone');
    expect(summary(await buy(saleId))).toEqual(problem(409, 'SOLD_OUT', 'upstream'));
    expect(reaching(saleId)).toBe(1);
    for (let i = 0; i < 3; i += 1)
      expect(summary(await buy(saleId))).toEqual(problem(409, 'SOLD_OUT'));
    expect(reaching(saleId)).toBe(1);

    // Stock came back: the next purchase goes to order-service again.
    await redis.publish('seckill:stock', JSON.stringify({ saleId, soldOut: false }));
    await waitFor(async () => {
      await buy(saleId);
      return reaching(saleId) > 1;
    }, 'the gateway to forward purchases again');
  });

  it('forwards a purchase of a sold-out sale whose key was admitted: the buyer settles it', async () => {
    const saleId = uniqueName('sale');
    await redis.publish('seckill:stock', JSON.stringify({ saleId, soldOut: true }));
    await waitFor(async () => (await buy(saleId)).status === 409, 'the sale to be known sold out');
    const user = uniqueName('settler');
    const idem = saleKeys(saleId).idempotency(user, 'bought-1');
    await redis.set(idem, JSON.stringify({ orderId: 'o-1' }), 'EX', 60);
    try {
      const before = reaching(saleId);
      const replay = await call(`/api/sales/${saleId}/orders`, {
        token: tokenFor(user),
        json: {},
        headers: { 'idempotency-key': 'bought-1' },
      });
      expect(replay.status).toBe(202);
      expect(reaching(saleId)).toBe(before + 1);
      // Another key of the same buyer is a new purchase: sold out, from memory.
      const fresh = await call(`/api/sales/${saleId}/orders`, {
        token: tokenFor(user),
        json: {},
        headers: { 'idempotency-key': 'new-2' },
      });
      expect(summary(fresh)).toEqual(problem(409, 'SOLD_OUT'));
      expect(reaching(saleId)).toBe(before + 1);
    } finally {
      await redis.del(idem);
      await redis.publish('seckill:stock', JSON.stringify({ saleId, soldOut: false }));
    }
  });

  it('learns a sold-out sale from the stock channel, on every instance', async () => {
    const saleId = uniqueName('sale');
    await redis.publish('seckill:stock', JSON.stringify({ saleId, soldOut: true }));
    for (const gateway of [gatewayA, gatewayB]) {
      await waitFor(
        async () => (await buy(saleId, gateway)).status === 409,
        'the gateway to answer 409 by itself',
      );
    }
    const before = reaching(saleId);
    expect(summary(await buy(saleId, gatewayB))).toEqual(problem(409, 'SOLD_OUT'));
    expect(reaching(saleId)).toBe(before);

    await redis.publish('seckill:stock', JSON.stringify({ saleId, soldOut: false }));
    await waitFor(async () => (await buy(saleId)).status === 202, 'purchases to be forwarded');
  });
});

describe('the concurrency limit to order-service', () => {
  afterEach(() => releaseHeld());

  it('answers the next purchase 503 OVERLOADED with Retry-After at once; order-service never sees it', async () => {
    const saleId = uniqueName('hold');
    const buy = (user: string, options: Partial<Call> = {}) =>
      call(`/api/sales/${saleId}/orders`, {
        token: tokenFor(user),
        json: {},
        gateway: narrow,
        ...options,
      });
    const inFlight = Array.from({ length: NARROW_IN_FLIGHT }, (_, i) => buy(`u-held-${i}`));
    await waitFor(() => reaching(saleId) === NARROW_IN_FLIGHT, 'the held purchases to arrive');

    const shed = await buy('u-shed', { headers: { 'idempotency-key': 'shed-1' } });
    expect(summary(shed)).toEqual(problem(503, 'OVERLOADED'));
    expect(shed.headers.get('retry-after')).toBe('1');
    // While it sheds, a malformed purchase may get the shed answer instead of its 400, but
    // never a 2xx and never another 5xx.
    for (const malformed of [{ body: '{"quantity":', headers: {} }, { json: { quantity: 0 } }]) {
      const answer = await buy('u-sloppy', { ...malformed, token: 'not.a.token' });
      expect([
        '400 BAD_REQUEST',
        '400 VALIDATION_FAILED',
        '401 UNAUTHORIZED',
        '503 OVERLOADED',
      ]).toContain(`${answer.status} ${String(answer.body.code)}`);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(reaching(saleId)).toBe(NARROW_IN_FLIGHT);

    releaseHeld();
    expect((await Promise.all(inFlight)).map((a) => a.status)).toEqual([202, 202]);
    // A slot is free again: the shed purchase's retry, same key, goes through.
    const retry = buy('u-shed', { headers: { 'idempotency-key': 'shed-1' } });
    await waitFor(() => reaching(saleId) === NARROW_IN_FLIGHT + 1, 'the retry to arrive');
    releaseHeld();
    expect((await retry).status).toBe(202);
    const retried = received.filter((r) => r.url.includes(saleId)).at(-1);
    expect(retried?.headers['idempotency-key']).toBe('shed-1');
  });
});

describe('when order-service is down', () => {
  beforeAll(async () => {
    stub.closeAllConnections();
    await new Promise((resolve) => stub.close(resolve));
  });

  it('answers 503 UPSTREAM_UNAVAILABLE and reports not ready', async () => {
    const answer = await call(`/api/sales/${uniqueName('sale')}/orders`, {
      token: tokenFor('u-down'),
      json: {},
    });
    expect(summary(answer)).toEqual(problem(503, 'UPSTREAM_UNAVAILABLE'));
    const ready = await call('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ checks: { 'order-service': { status: 'down' } } });
  });

  it('still answers client mistakes with a 4xx', async () => {
    expect(summary(await call(`/api/sales/x/orders`, { json: {} }))).toEqual(
      problem(401, 'UNAUTHORIZED'),
    );
  });
});
