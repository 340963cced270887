import {
  type Attributes,
  type Context,
  context,
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  type Link,
  ROOT_CONTEXT,
  type Span,
  type SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { activeTracer, tracingEnabled } from './tracing';

export const TRACEPARENT_HEADER = 'traceparent';
export const TRACESTATE_HEADER = 'tracestate';

type HeaderValue = string | Buffer | readonly (string | Buffer)[] | undefined;

/** Headers as HTTP (IncomingHttpHeaders) and Kafka (IHeaders: Buffers) carry them. */
export type HeaderCarrier = Readonly<Record<string, HeaderValue>>;

/**
 * W3C Trace Context, used directly rather than through the global propagator so that it reads
 * the same whether or not a service runs the SDK. It ignores a header that is not a valid
 * traceparent (wrong length, bad hex, all-zero ids, version ff): the event simply has no parent.
 */
const propagator = new W3CTraceContextPropagator();

const headerGetter: TextMapGetter<HeaderCarrier> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    if (value === undefined) return undefined;
    if (typeof value === 'string') return value;
    if (Buffer.isBuffer(value)) return value.toString('utf8');
    return (value as readonly (string | Buffer)[]).map((part) => part.toString());
  },
};

/** A span that records nothing: what the span helpers hand out while tracing is off. */
const NO_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * The trace context `headers` carry (`traceparent`, `tracestate`), as a parent for a span, on
 * top of `base`. Missing or malformed headers give `base` back: bad input is never an error.
 */
export function extractTraceContext(
  headers: HeaderCarrier | null | undefined,
  base: Context = ROOT_CONTEXT,
): Context {
  if (!headers) return base;
  try {
    return propagator.extract(base, headers, headerGetter);
  } catch {
    return base;
  }
}

/**
 * Writes the trace context of `from` (default: the active span) into `headers` as `traceparent`
 * (and `tracestate`), replacing what was there. Writes nothing while tracing is off or when
 * there is no span to continue.
 */
export function injectTraceContext(
  headers: Record<string, unknown>,
  from: Context = context.active(),
): void {
  if (!tracingEnabled() || !hasTraceParent(from)) return;
  propagator.inject(from, headers, {
    set: (carrier, key, value) => {
      carrier[key] = value;
    },
  });
}

/** The trace headers of the active span (empty while tracing is off): for a record's headers. */
export function traceHeaders(from: Context = context.active()): Record<string, string> {
  const headers: Record<string, string> = {};
  injectTraceContext(headers, from);
  return headers;
}

/**
 * The active span's `traceparent`, for state that carries a flow across a pause (a payment
 * intent waiting for its capture); null while tracing is off or outside any span.
 */
export function currentTraceparent(): string | null {
  return traceHeaders()[TRACEPARENT_HEADER] ?? null;
}

/** Runs `fn` as a continuation of `traceparent` (a stored one); just runs it when off or null. */
export function withTraceparent<T>(traceparent: string | null | undefined, fn: () => T): T {
  if (!traceparent || !tracingEnabled()) return fn();
  return context.with(extractTraceContext({ [TRACEPARENT_HEADER]: traceparent }), fn);
}

/** Whether `ctx` holds a span to continue (a valid remote or local span context). */
export function hasTraceParent(ctx: Context): boolean {
  const spanContext = trace.getSpanContext(ctx);
  return spanContext !== undefined && isSpanContextValid(spanContext);
}

export interface StartSpanOptions {
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  readonly links?: Link[];
  /** The parent; default: the active context. */
  readonly parent?: Context;
}

/** A started span (end it yourself), or a span that records nothing while tracing is off. */
export function startSpan(name: string, options: StartSpanOptions = {}): Span {
  const tracer = activeTracer();
  if (!tracer) return NO_SPAN;
  const { parent, ...rest } = options;
  return tracer.startSpan(name, rest, parent ?? context.active());
}

/** Runs `fn` with `span` as the active span (on top of `parent`); just runs it when off. */
export function runInSpan<T>(span: Span, fn: () => T, parent: Context = context.active()): T {
  if (!tracingEnabled()) return fn();
  return context.with(trace.setSpan(parent, span), fn);
}

/** The context `span` is active in: what its children and the headers it writes continue. */
export function contextWithSpan(span: Span, parent: Context = ROOT_CONTEXT): Context {
  return trace.setSpan(parent, span);
}

/** Runs `fn` in `ctx` (a context captured earlier); just runs it when off or `ctx` is unset. */
export function runInContext<T>(ctx: Context | undefined, fn: () => T): T {
  if (!ctx || !tracingEnabled()) return fn();
  return context.with(ctx, fn);
}

/** The active context while tracing is on (to resume later with `runInContext`), else undefined. */
export function captureContext(): Context | undefined {
  return tracingEnabled() ? context.active() : undefined;
}

/** Marks `span` failed with `error`. */
export function failSpan(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  });
}

/**
 * Runs `fn` in a new child span of the active context (or `options.parent`), ending it when `fn`
 * settles and marking it failed if `fn` rejects. While tracing is off it only runs `fn`, with a
 * span that records nothing.
 */
export async function withSpan<T>(
  name: string,
  options: StartSpanOptions,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  if (!tracingEnabled()) return fn(NO_SPAN);
  const parent = options.parent ?? context.active();
  const span = startSpan(name, { ...options, parent });
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (error) {
    failSpan(span, error);
    throw error;
  } finally {
    span.end();
  }
}
