import { Controller, DynamicModule, Get, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { Writable } from 'node:stream';
import {
  currentTraceparent,
  ServiceLogger,
  startTracing,
  type Tracing,
} from '@seckill/observability';
import { createServiceApp } from './index';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

@Controller('api')
class ProbeController {
  /** What a handler sees as its trace context: what the records it builds would carry. */
  @Get('sales/:saleId')
  sale(): { traceparent: string | null } {
    return { traceparent: currentTraceparent() };
  }

  @Get('broken')
  broken(): never {
    throw new Error('bug');
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

let exporter: InMemorySpanExporter;
let tracing: Tracing;
let app: NestFastifyApplication;

beforeAll(async () => {
  exporter = new InMemorySpanExporter();
  tracing = startTracing('probe-service', {}, { exporter });
  const module: DynamicModule = { module: ProbeModule };
  const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
  app = await createServiceApp(
    {
      service: 'probe-service',
      config: { HOST: '127.0.0.1', PORT: 0, LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: 5000 },
      module,
    },
    ServiceLogger.create('probe-service', 'info', quiet),
  );
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
});

afterAll(async () => {
  await app.close();
  await tracing.shutdown();
});

beforeEach(() => exporter.reset());

const inject = (url: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url, headers });

describe('HTTP server spans (tracing on)', () => {
  it("makes a SERVER span per request, the caller's traceparent its parent", async () => {
    const answer = await inject('/api/sales/s-1?x=1', {
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
    });
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('GET /api/sales/:saleId');
    expect(span?.kind).toBe(SpanKind.SERVER);
    expect(span?.spanContext().traceId).toBe(TRACE_ID);
    expect(span?.parentSpanContext?.spanId).toBe(SPAN_ID);
    expect(span?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/api/sales/:saleId',
      'url.path': '/api/sales/s-1',
      'http.response.status_code': 200,
    });
    // The handler runs in the span: what it writes (a record's headers) continues it.
    expect(answer.json()).toEqual({
      traceparent: `00-${TRACE_ID}-${span?.spanContext().spanId}-01`,
    });
  });

  it.each(['garbage', `00-${TRACE_ID}-${'0'.repeat(16)}-01`, `ff-${TRACE_ID}-${SPAN_ID}-01`])(
    'starts a new trace for a malformed traceparent (%s), and still answers',
    async (traceparent) => {
      const answer = await inject('/api/sales/s-1', { traceparent });
      expect(answer.statusCode).toBe(200);
      const [span] = exporter.getFinishedSpans();
      expect(span?.parentSpanContext).toBeUndefined();
      expect(span?.spanContext().traceId).not.toBe(TRACE_ID);
    },
  );

  it('marks a 5xx answer failed', async () => {
    expect((await inject('/api/broken')).statusCode).toBe(500);
    const [span] = exporter.getFinishedSpans();
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.attributes['http.response.status_code']).toBe(500);
  });

  it('does not trace probes and scrapes', async () => {
    await inject('/health/live');
    await inject('/metrics');
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
