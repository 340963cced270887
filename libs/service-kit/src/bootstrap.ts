import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { DynamicModule, INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  LogLevel,
  MetricsRegistry,
  NestLoggerBridge,
  runWithCorrelation,
  ServiceLogger,
  startTracing,
  type Tracing,
  tracingEnabled,
  type TracingSettings,
} from '@seckill/observability';
import { traceRequests } from './http-tracing';
import { ServiceKitModule } from './service-kit.module';

export interface BaseServiceConfig extends TracingSettings {
  readonly HOST: string;
  readonly PORT: number;
  readonly LOG_LEVEL: LogLevel;
  readonly SHUTDOWN_TIMEOUT_MS: number;
  readonly HTTP_LISTEN_BACKLOG?: number;
}

export interface ServiceDefinition {
  readonly service: string;
  readonly config: BaseServiceConfig;
  /** The app's own root module, built from its already-validated config. */
  readonly module: DynamicModule;
  /** Largest request body accepted, in bytes; larger bodies get 413. */
  readonly bodyLimit?: number;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Builds a service's Nest application on Fastify with the shared kit: request ids that follow
 * each request into the logs, the HTTP duration histogram, problem+json errors, and shutdown
 * hooks. Does not listen; `runService` does, and tests may call this directly.
 */
export async function createServiceApp(
  definition: ServiceDefinition,
  logger = ServiceLogger.create(definition.service, definition.config.LOG_LEVEL),
): Promise<NestFastifyApplication> {
  const metrics = new MetricsRegistry(definition.service);

  @Module({ imports: [ServiceKitModule.forRoot({ logger, metrics }), definition.module] })
  class ServiceRootModule {}

  const adapter = new FastifyAdapter({
    bodyLimit: definition.bodyLimit ?? 16 * 1024,
    // Off, so genReqId always runs: Fastify would otherwise trust any header value verbatim.
    requestIdHeader: false,
    // Accept a caller's id (the gateway's) only if it looks like one; otherwise mint our own.
    genReqId: (request: { headers: Record<string, string | string[] | undefined> }) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    logger: false,
  });
  const fastify = adapter.getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    runWithCorrelation({ correlationId: String(request.id) }, done);
  });
  // After the correlation hook, so a request's span and its correlation id share one flow.
  if (tracingEnabled()) traceRequests(fastify);
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.httpDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });

  const app = await NestFactory.create<NestFastifyApplication>(ServiceRootModule, adapter, {
    logger: new NestLoggerBridge(logger),
    abortOnError: false,
  });
  return app;
}

/**
 * The entry point of every service: build, start consumers (Nest's onApplicationBootstrap runs
 * inside init, so they start only once everything they depend on is ready), then listen.
 * SIGTERM/SIGINT close the app through Nest's lifecycle: consumers drain and commit in
 * onModuleDestroy, the HTTP server closes, clients disconnect in onApplicationShutdown; then the
 * process exits 0. A stuck shutdown is cut off after SHUTDOWN_TIMEOUT_MS with exit 1.
 */
export async function runService(definition: ServiceDefinition): Promise<INestApplication> {
  const { service, config } = definition;
  const logger = ServiceLogger.create(service, config.LOG_LEVEL);
  // Before the app is built, so every span-making piece sees the SDK (or its absence) from the
  // first request on; off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (docs/tracing.md).
  const tracing = startTracing(service, config);
  if (tracing.enabled) {
    logger.info(
      {
        endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
        sampler: config.OTEL_TRACES_SAMPLER,
        ratio: config.OTEL_TRACES_SAMPLER_ARG,
      },
      'tracing on',
    );
  }
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled promise rejection');
  });

  let app: NestFastifyApplication;
  try {
    app = await createServiceApp(definition, logger);
    await app.listen({ port: config.PORT, host: config.HOST, backlog: config.HTTP_LISTEN_BACKLOG });
  } catch (error) {
    logger.fatal({ err: error }, `${service} failed to start`);
    logger.flush();
    process.exit(1);
  }
  logger.info({ host: config.HOST, port: config.PORT }, `${service} listening`);

  let closing = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (closing) return;
      closing = true;
      void shutDown(app, logger, tracing, signal, config.SHUTDOWN_TIMEOUT_MS);
    });
  }
  return app;
}

/** Nest's close() runs the lifecycle in order: destroy → before-shutdown → HTTP close → shutdown. */
async function shutDown(
  app: INestApplication,
  logger: ServiceLogger,
  tracing: Tracing,
  signal: NodeJS.Signals,
  timeoutMs: number,
): Promise<void> {
  const started = Date.now();
  logger.info({ signal, timeoutMs }, 'shutdown requested, draining');
  setTimeout(() => {
    logger.error({ timeoutMs }, 'shutdown timed out, exiting');
    logger.flush();
    process.exit(1);
  }, timeoutMs).unref();
  try {
    await app.close();
    // The spans of the last events drained, exported before the process goes.
    await tracing.shutdown().catch((error: unknown) => {
      logger.warn({ err: error }, 'could not export the last spans');
    });
    logger.info({ durationMs: Date.now() - started }, 'shutdown complete');
    logger.flush();
    process.exit(0);
  } catch (error) {
    logger.error({ err: error }, 'shutdown failed');
    logger.flush();
    process.exit(1);
  }
}
