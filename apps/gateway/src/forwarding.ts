import type { IncomingHttpHeaders } from 'node:http';
import { HotPathHeader, ProblemCode, SaleFlow } from '@seckill/contracts';
import { injectTraceContext } from '@seckill/observability';

/** What order-service answered, read in full. */
export interface UpstreamAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** W3C Trace Context; anything else is dropped rather than passed on. */
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * The headers a forwarded request carries: the caller's token (order-service verifies it again),
 * the idempotency key, the gateway's own request id (so both services log the same id) and the
 * trace context (the caller's, or while tracing is on the gateway's own span). Nothing else: no
 * cookies, no client-chosen hop-by-hop or forwarding headers.
 */
export function forwardedHeaders(
  incoming: IncomingHttpHeaders,
  requestId: string,
  hasBody: boolean,
): Record<string, string> {
  const headers: Record<string, string> = { 'x-request-id': requestId };
  if (hasBody) headers['content-type'] = 'application/json';
  if (incoming.authorization) headers.authorization = incoming.authorization;
  const idempotencyKey = incoming['idempotency-key'];
  if (typeof idempotencyKey === 'string') headers['idempotency-key'] = idempotencyKey;
  const traceparent = incoming.traceparent;
  if (typeof traceparent === 'string' && TRACEPARENT.test(traceparent)) {
    headers.traceparent = traceparent;
  }
  // Tracing on: order-service continues the gateway's own span (the caller's is its parent).
  injectTraceContext(headers);
  return headers;
}

/** Headers of order-service's answer that mean something to the client. */
const RELAYED = [
  'content-type',
  'location',
  'retry-after',
  'cache-control',
  'etag',
  'last-modified',
  HotPathHeader.Flow,
] as const;

export function relayedHeaders(
  upstream: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of RELAYED) {
    const value = upstream[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}

/** The problem `code` of an answer with this status, or null (another status, or no code). */
export function problemCodeOf(answer: UpstreamAnswer, status: number): string | null {
  if (answer.status !== status) return null;
  try {
    const problem = JSON.parse(answer.body.toString('utf8')) as { code?: unknown } | null;
    return typeof problem?.code === 'string' ? problem.code : null;
  } catch {
    return null;
  }
}

/**
 * order-service's 409 SOLD_OUT, as opposed to its other conflicts (limit reached, ...), from a
 * sale the gateway may remember as sold out: not one of the synchronous baseline (see
 * HotPathHeader.Flow).
 */
export function isSoldOutAnswer(answer: UpstreamAnswer): boolean {
  return (
    problemCodeOf(answer, 409) === ProblemCode.SoldOut &&
    answer.headers[HotPathHeader.Flow] !== SaleFlow.Sync
  );
}
