import { type Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  contextWithSpan,
  extractTraceContext,
  runInContext,
  startSpan,
} from '@seckill/observability';

/** Probes and scrapes: polled every few seconds, they would bury the purchases in traces. */
const UNTRACED = /^\/(health|metrics)(\/|$)/;

/**
 * A SERVER span per request (HTTP semantic conventions), the child of the caller's
 * `traceparent` if it sent a valid one: the gateway's span for order-service, a client's for the
 * gateway. The span is the active context for the rest of the request, so whatever the handler
 * does (the Redis admission, the `order.created` record) belongs to it. Installed by
 * createServiceApp only while tracing is on.
 */
export function traceRequests(fastify: FastifyInstance): void {
  const spans = new WeakMap<FastifyRequest, Span>();

  fastify.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url;
    const path = request.url.split('?', 1)[0] ?? request.url;
    if (UNTRACED.test(path)) {
      done();
      return;
    }
    const parent = extractTraceContext(request.headers);
    const span = startSpan(route ? `${request.method} ${route}` : request.method, {
      kind: SpanKind.SERVER,
      parent,
      attributes: {
        'http.request.method': request.method,
        'url.path': path,
        ...(route ? { 'http.route': route } : {}),
        'seckill.request_id': String(request.id),
      },
    });
    spans.set(request, span);
    runInContext(contextWithSpan(span, parent), done);
  });

  const end = (request: FastifyRequest, statusCode: number | undefined): void => {
    const span = spans.get(request);
    if (!span) return;
    spans.delete(request);
    if (statusCode === undefined) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client went away' });
    } else {
      span.setAttribute('http.response.status_code', statusCode);
      if (statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  };
  fastify.addHook('onResponse', (request, reply, done) => {
    end(request, reply.statusCode);
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    end(request, undefined);
    done();
  });
}
