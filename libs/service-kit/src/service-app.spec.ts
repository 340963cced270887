import { Body, Controller, DynamicModule, Get, Module, Post, Req, Res } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Writable } from 'node:stream';
import { ServiceLogger } from '@seckill/observability';
import { createServiceApp, ProblemException, ReadinessRegistry, sendProblem } from './index';

@Controller('probe')
class ProbeController {
  @Get('conflict')
  conflict(): never {
    throw new ProblemException(409, 'SOLD_OUT', 'The sale has no stock left', undefined, {
      'retry-after': '5',
    });
  }

  @Get('bug')
  bug(): never {
    throw new Error('database password is hunter2');
  }

  @Get('unavailable')
  unavailable(): never {
    throw new ProblemException(503, 'UPSTREAM_UNAVAILABLE', 'order-service did not answer');
  }

  @Get('conflict-unthrown')
  conflictUnthrown(@Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    void sendProblem(request, reply, 409, 'SOLD_OUT', 'The sale has no stock left', {
      'retry-after': '5',
    });
  }

  @Post('echo')
  echo(@Body() body: unknown): unknown {
    return body;
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

const lines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    done();
  },
});

let app: NestFastifyApplication;

beforeAll(async () => {
  const module: DynamicModule = { module: ProbeModule };
  app = await createServiceApp(
    {
      service: 'probe-service',
      config: { HOST: '127.0.0.1', PORT: 0, LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: 5000 },
      module,
      bodyLimit: 1024,
    },
    ServiceLogger.create('probe-service', 'info', sink),
  );
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
});

afterAll(async () => {
  await app.close();
});

const inject: NestFastifyApplication['inject'] = ((options: never) => app.inject(options)) as never;

describe('a service built with the kit', () => {
  it('answers a deliberate problem with its status, stable code and headers', async () => {
    const response = await inject({ method: 'GET', url: '/probe/conflict' });
    expect(response.statusCode).toBe(409);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.headers['retry-after']).toBe('5');
    expect(response.json()).toMatchObject({
      status: 409,
      code: 'SOLD_OUT',
      title: 'Conflict',
      detail: 'The sale has no stock left',
      instance: '/probe/conflict',
    });
  });

  it('answers a problem sent without throwing exactly like a thrown one', async () => {
    const thrown = await inject({ method: 'GET', url: '/probe/conflict' });
    const sent = await inject({ method: 'GET', url: '/probe/conflict-unthrown' });
    expect(sent.statusCode).toBe(409);
    expect(sent.headers['content-type']).toBe(thrown.headers['content-type']);
    expect(sent.headers['retry-after']).toBe('5');
    const body = (answer: typeof sent) => ({ ...answer.json(), instance: '', requestId: '' });
    expect(body(sent)).toEqual(body(thrown));
    expect(sent.json()).toMatchObject({ instance: '/probe/conflict-unthrown' });
  });

  it('hides the details of an unexpected error behind a 500 and logs them', async () => {
    const response = await inject({
      method: 'GET',
      url: '/probe/bug',
      headers: { 'x-request-id': 'req-42' },
    });
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('hunter2');
    expect(response.json()).toMatchObject({ code: 'INTERNAL_ERROR', requestId: 'req-42' });
    const logged = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.requestId === 'req-42');
    expect(logged).toMatchObject({
      service: 'probe-service',
      level: 'error',
      correlationId: 'req-42',
    });
  });

  it('logs a deliberate 5xx problem as one warn line, without a stack', async () => {
    const response = await inject({
      method: 'GET',
      url: '/probe/unavailable',
      headers: { 'x-request-id': 'req-503' },
    });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', requestId: 'req-503' });
    const logged = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.requestId === 'req-503');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 'warn', code: 'UPSTREAM_UNAVAILABLE' });
    expect(JSON.stringify(logged[0])).not.toContain('"stack"');
  });

  it.each([
    ['malformed JSON', { 'content-type': 'application/json' }, '{"quantity":', 400],
    ['a media type it does not parse', { 'content-type': 'text/csv' }, 'a,b', 415],
    [
      'an oversize body',
      { 'content-type': 'application/json' },
      JSON.stringify({ pad: 'x'.repeat(2048) }),
      413,
    ],
  ])('answers %s with a 4xx problem, never a 5xx', async (_label, headers, payload, status) => {
    const response = await inject({ method: 'POST', url: '/probe/echo', headers, payload });
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ status });
  });

  it('answers an unknown route with a problem 404', async () => {
    const response = await inject({ method: 'GET', url: '/nowhere' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('echoes a valid caller request id and mints one otherwise', async () => {
    const given = await inject({
      method: 'GET',
      url: '/health/live',
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(given.headers['x-request-id']).toBe('abc-123');
    const hostile = await inject({
      method: 'GET',
      url: '/health/live',
      headers: { 'x-request-id': 'bad id\twith spaces' },
    });
    expect(hostile.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reports ready only while every probe passes', async () => {
    const readiness = app.get(ReadinessRegistry);
    readiness.register('fake-db', async () => undefined);
    expect((await inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    readiness.register('fake-db', async () => {
      throw new Error('connection refused');
    });
    const down = await inject({ method: 'GET', url: '/health/ready' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({
      status: 'not-ready',
      checks: { 'fake-db': { status: 'down', error: 'connection refused' } },
    });
    expect((await inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    readiness.register('fake-db', async () => undefined);
  });

  it('reports a failing non-gating probe without becoming not ready', async () => {
    const readiness = app.get(ReadinessRegistry);
    readiness.register(
      'fake-consumer',
      async () => {
        throw new Error('joining the group');
      },
      { gating: false },
    );
    const report = await inject({ method: 'GET', url: '/health/ready' });
    expect(report.statusCode).toBe(200);
    expect(report.json()).toMatchObject({
      status: 'ready',
      checks: { 'fake-consumer': { status: 'down', error: 'joining the group', gating: false } },
    });
  });

  it('counts requests in the HTTP duration histogram', async () => {
    const response = await inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toMatch(
      /http_request_duration_seconds_count\{service="probe-service",method="GET",route="\/probe\/conflict",status_code="409"\} 2/,
    );
  });
});
