import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import {
  currentTraceparent,
  extractTraceContext,
  hasTraceParent,
  injectTraceContext,
  startSpan,
  traceHeaders,
  withSpan,
  withTraceparent,
} from './trace-context';
import { startTracing, type Tracing, tracingEnabled } from './tracing';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const VALID = `00-${TRACE_ID}-${SPAN_ID}-01`;

describe('extractTraceContext', () => {
  it('reads a W3C traceparent as a remote parent', () => {
    const spanContext = trace.getSpanContext(extractTraceContext({ traceparent: VALID }));
    expect(spanContext).toMatchObject({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: 1,
      isRemote: true,
    });
  });

  it('reads Kafka header values (Buffers, arrays) as well as strings', () => {
    for (const value of [Buffer.from(VALID), [Buffer.from(VALID)], [VALID]]) {
      const ctx = extractTraceContext({ traceparent: value });
      expect(trace.getSpanContext(ctx)?.traceId).toBe(TRACE_ID);
    }
  });

  it.each([
    ['garbage', 'not-a-traceparent'],
    ['a short trace id', `00-${TRACE_ID.slice(2)}-${SPAN_ID}-01`],
    ['upper-case hex', VALID.toUpperCase()],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${SPAN_ID}-01`],
    ['an all-zero span id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['the forbidden version ff', `ff-${TRACE_ID}-${SPAN_ID}-01`],
    ['an empty value', ''],
    ['binary junk', Buffer.from([0xff, 0x00, 0xfe])],
  ])('ignores %s: no parent, no error', (_, value) => {
    const ctx = extractTraceContext({ traceparent: value });
    expect(hasTraceParent(ctx)).toBe(false);
  });

  it('gives the base context back for missing headers', () => {
    expect(extractTraceContext(undefined)).toBe(ROOT_CONTEXT);
    expect(extractTraceContext(null)).toBe(ROOT_CONTEXT);
    expect(extractTraceContext({ 'event-id': 'x' })).toBe(ROOT_CONTEXT);
  });

  it('keeps a valid traceparent when tracestate is malformed', () => {
    const ctx = extractTraceContext({ traceparent: VALID, tracestate: '=,,=;;bad\u0000' });
    expect(trace.getSpanContext(ctx)?.spanId).toBe(SPAN_ID);
  });
});

describe('with tracing off', () => {
  it('writes no header and runs spans as plain calls', async () => {
    expect(tracingEnabled()).toBe(false);
    const headers: Record<string, unknown> = {};
    injectTraceContext(headers, extractTraceContext({ traceparent: VALID }));
    expect(headers).toEqual({});
    expect(currentTraceparent()).toBeNull();
    expect(withTraceparent(VALID, () => currentTraceparent())).toBeNull();
    await expect(withSpan('x', {}, async (span) => span.isRecording())).resolves.toBe(false);
    expect(startSpan('y').isRecording()).toBe(false);
  });
});

describe('with tracing on', () => {
  // A new one each time: stopping tracing shuts its exporter down for good.
  let exporter: InMemorySpanExporter;
  let tracing: Tracing;

  beforeEach(() => {
    exporter = new InMemorySpanExporter();
    tracing = startTracing('test-service', {}, { exporter });
  });
  afterEach(() => tracing.shutdown());

  it('round-trips a span through headers: inject, then extract, gives the same ids', () => {
    const span = startSpan('producer', { kind: SpanKind.PRODUCER });
    const headers = traceHeaders(trace.setSpan(ROOT_CONTEXT, span));
    span.end();
    expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const back = trace.getSpanContext(extractTraceContext(headers));
    expect(back?.traceId).toBe(span.spanContext().traceId);
    expect(back?.spanId).toBe(span.spanContext().spanId);
  });

  it('replaces a stale traceparent in the carrier', () => {
    const headers: Record<string, unknown> = { traceparent: VALID, 'event-id': 'e1' };
    const span = startSpan('s');
    injectTraceContext(headers, trace.setSpan(ROOT_CONTEXT, span));
    span.end();
    expect(headers['event-id']).toBe('e1');
    expect(headers.traceparent).toContain(span.spanContext().spanId);
  });

  it('writes nothing outside any span', () => {
    expect(traceHeaders(ROOT_CONTEXT)).toEqual({});
    expect(currentTraceparent()).toBeNull();
  });

  it('continues a stored traceparent', async () => {
    await withTraceparent(VALID, () => withSpan('capture', {}, async () => undefined));
    const [span] = exporter.getFinishedSpans();
    expect(span?.spanContext().traceId).toBe(TRACE_ID);
    expect(span?.parentSpanContext?.spanId).toBe(SPAN_ID);
  });

  it('starts a new trace from a malformed stored traceparent', async () => {
    await withTraceparent('00-zz', () => withSpan('capture', {}, async () => undefined));
    const [span] = exporter.getFinishedSpans();
    expect(span?.spanContext().traceId).not.toBe(TRACE_ID);
    expect(span?.parentSpanContext).toBeUndefined();
  });

  it('nests withSpan children and marks a rejected one failed', async () => {
    await expect(
      withSpan('outer', {}, () =>
        withSpan('inner', {}, async () => {
          throw new Error('boom');
        }),
      ),
    ).rejects.toThrow('boom');
    const spans = exporter.getFinishedSpans();
    const inner = spans.find((s) => s.name === 'inner');
    const outer = spans.find((s) => s.name === 'outer');
    expect(inner?.parentSpanContext?.spanId).toBe(outer?.spanContext().spanId);
    expect(inner?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'Error: boom' });
    expect(inner?.events.map((e) => e.name)).toEqual(['exception']);
  });
});
