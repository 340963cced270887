import {
  createServer,
  get,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { JwtCodec } from '@seckill/auth';
import { loadConfig } from '@seckill/config';
import { ServiceLogger } from '@seckill/observability';
import { createServiceApp } from '@seckill/service-kit';
import { testEndpoints, waitFor } from '@seckill/testing';
import { BODY_LIMIT_BYTES, configSchema, SERVICE } from './config';
import { GatewayModule } from './gateway.module';

/**
 * The gateway's notification routes, as the gateway is built (createServiceApp + GatewayModule,
 * on the real Redis), in front of a stand-in notification-service that records what reaches it
 * and answers as told: checks at the edge, forwarded headers, the SSE stream piped through as it
 * comes (not buffered, no deadline once it answered), and 503 when nobody answers.
 */
const SECRET = 'gateway-notifications-integration-secret-0123456';
const UPSTREAM_TIMEOUT_MS = 300;
const codec = new JwtCodec(SECRET, 3600);
const token = codec.sign({ userId: 'alice', role: 'user' });

interface Received {
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly response: ServerResponse;
  closed: boolean;
}

let upstream: Server;
let upstreamPort: number;
let received: Received[];
/** How the stand-in answers a stream request. */
let streamMode: 'answer' | 'hang';

let gateway: NestFastifyApplication | undefined;
let gatewayUrl: string;

beforeEach(async () => {
  received = [];
  streamMode = 'answer';
  upstream = createServer((request, response) => {
    const entry: Received = {
      url: request.url ?? '',
      headers: request.headers,
      response,
      closed: false,
    };
    received.push(entry);
    response.on('close', () => {
      entry.closed = true;
    });
    if (request.url?.startsWith('/api/users/me/notifications/stream')) {
      if (streamMode === 'hang') return;
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
      });
      response.write('retry: 3000\n\n');
      response.write(frame('1'));
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ items: [] }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamPort = (upstream.address() as AddressInfo).port;
  gateway = await startGateway(`http://127.0.0.1:${upstreamPort}`);
});

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

async function startGateway(notificationServiceUrl: string): Promise<NestFastifyApplication> {
  const config = loadConfig(SERVICE, configSchema, {
    PORT: '3999', // unused: listens on a free port
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.IT_LOG_LEVEL ?? 'fatal',
    REDIS_URL: testEndpoints().redisUrl,
    ORDER_SERVICE_URL: 'http://127.0.0.1:9', // not called by these routes
    NOTIFICATION_SERVICE_URL: notificationServiceUrl,
    JWT_SECRET: SECRET,
    UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS),
  });
  const app = await createServiceApp(
    {
      service: SERVICE,
      config,
      module: GatewayModule.register(config),
      bodyLimit: BODY_LIMIT_BYTES,
    },
    ServiceLogger.create(SERVICE, config.LOG_LEVEL),
  );
  await app.listen(0, '127.0.0.1');
  gatewayUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  return app;
}

function frame(id: string): string {
  return `id: ${id}\nevent: notification\ndata: {"id":"${id}"}\n\n`;
}

/** Reads a streamed response as it arrives. */
function readAll(response: Response): { text: () => string; done: Promise<void> } {
  let text = '';
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const done = (async () => {
    try {
      for (;;) {
        const { done: end, value } = await reader.read();
        if (end) return;
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      // aborted by the test
    }
  })();
  return { text: () => text, done };
}

describe('GET /api/users/me/notifications through the gateway', () => {
  it('forwards with the token, its request id and the validated limit, and relays the answer', async () => {
    const response = await fetch(`${gatewayUrl}/api/users/me/notifications`, {
      headers: { authorization: `Bearer ${token}`, cookie: 'session=1' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ items: [] });
    expect(received).toHaveLength(1);
    expect(received[0]?.url).toBe('/api/users/me/notifications?limit=50');
    expect(received[0]?.headers.authorization).toBe(`Bearer ${token}`);
    expect(received[0]?.headers['x-request-id']).toBe(response.headers.get('x-request-id'));
    expect(received[0]?.headers.cookie).toBeUndefined();
  });

  it('answers a bad limit and a missing token itself, without calling notification-service', async () => {
    const bad = await fetch(`${gatewayUrl}/api/users/me/notifications?limit=500`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await bad.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    for (const path of ['', '/stream']) {
      const anonymous = await fetch(`${gatewayUrl}/api/users/me/notifications${path}`);
      expect(anonymous.status).toBe(401);
      expect(await anonymous.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    }
    expect(received).toHaveLength(0);
  });
});

describe('GET /api/users/me/notifications/stream through the gateway', () => {
  it('pipes events through as they come, with no deadline once upstream answered', async () => {
    const abort = new AbortController();
    const response = await fetch(`${gatewayUrl}/api/users/me/notifications/stream`, {
      headers: { authorization: `Bearer ${token}`, 'last-event-id': '41' },
      signal: abort.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const stream = readAll(response);
    // The first event arrives while the upstream response is still open: not buffered.
    await waitFor(() => stream.text().includes(frame('1')), 'the first event');
    const [call] = received;
    expect(call?.headers['last-event-id']).toBe('41');
    expect(call?.headers.authorization).toBe(`Bearer ${token}`);
    expect(call?.headers['x-request-id']).toBe(response.headers.get('x-request-id'));

    // Longer than UPSTREAM_TIMEOUT_MS idle: the stream is not cut.
    await sleep(UPSTREAM_TIMEOUT_MS * 3);
    call?.response.write(frame('2'));
    await waitFor(() => stream.text().includes(frame('2')), 'the second event');

    // notification-service ends it: so does the gateway.
    call?.response.end();
    await stream.done;
    expect(stream.text()).toBe(`retry: 3000\n\n${frame('1')}${frame('2')}`);
  });

  it('lets go of the upstream stream when the client disconnects', async () => {
    // node:http rather than fetch: an aborted fetch leaves a spare idle connection behind
    // that would hold up the gateway's close until the server's headers timeout.
    let text = '';
    const request = get(
      `${gatewayUrl}/api/users/me/notifications/stream`,
      { headers: { authorization: `Bearer ${token}` } },
      (response) => response.on('data', (chunk: Buffer) => (text += chunk.toString())),
    );
    request.on('error', () => undefined);
    await waitFor(() => text.includes(frame('1')), 'the first event');
    request.destroy();
    await waitFor(() => received[0]?.closed === true, 'the upstream request to be closed');
    expect(received).toHaveLength(1);
  });

  it('ends open streams when the gateway shuts down', async () => {
    const response = await fetch(`${gatewayUrl}/api/users/me/notifications/stream`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const stream = readAll(response);
    await waitFor(() => stream.text().includes(frame('1')), 'the first event');
    await gateway?.close();
    gateway = undefined;
    await stream.done;
    expect(stream.text()).toBe(`retry: 3000\n\n${frame('1')}`);
    await waitFor(() => received[0]?.closed === true, 'the upstream request to be closed');
  });

  it('answers 503 when notification-service does not answer the headers in time', async () => {
    streamMode = 'hang';
    const response = await fetch(`${gatewayUrl}/api/users/me/notifications/stream`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.json()).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  });
});

describe('notification-service down', () => {
  it('answers 503 problem on both routes', async () => {
    upstream.closeAllConnections();
    await new Promise((resolve) => upstream.close(resolve));
    upstream = createServer(); // for afterEach
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    for (const path of ['', '/stream']) {
      const response = await fetch(`${gatewayUrl}/api/users/me/notifications${path}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await response.json()).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    }
  });
});
