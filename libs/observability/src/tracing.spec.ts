import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SamplingDecision } from '@opentelemetry/sdk-trace';
import { extractTraceContext, startSpan } from './trace-context';
import { samplerOf, startTracing, tracesUrl, tracingEnabled, tracingWanted } from './tracing';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const sampled = (flags: string) =>
  extractTraceContext({ traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-${flags}` });

function decide(name: Parameters<typeof samplerOf>[0], ratio: number, parent = ROOT_CONTEXT) {
  return samplerOf(name, ratio).shouldSample(parent, TRACE_ID, 'span', SpanKind.SERVER, {}, [])
    .decision;
}

describe('tracingWanted', () => {
  it('is off by default and on with a collector endpoint', () => {
    expect(tracingWanted({})).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(true);
  });

  it('stays off under OTEL_SDK_DISABLED', () => {
    expect(
      tracingWanted({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
        OTEL_SDK_DISABLED: true,
      }),
    ).toBe(false);
  });
});

describe('startTracing', () => {
  it('starts nothing when not wanted', async () => {
    const tracing = startTracing('svc', { OTEL_TRACES_SAMPLER: 'always_on' });
    expect(tracing.enabled).toBe(false);
    expect(tracingEnabled()).toBe(false);
    await tracing.shutdown();
  });

  it('names the service on its spans and stops cleanly', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = startTracing('order-service', {}, { exporter });
    expect(tracingEnabled()).toBe(true);
    expect(() => startTracing('again', {}, { exporter })).toThrow(/already started/);
    startSpan('one').end();
    const [span] = exporter.getFinishedSpans();
    expect(span?.resource.attributes['service.name']).toBe('order-service');
    await tracing.shutdown();
    expect(tracingEnabled()).toBe(false);
    // Stopped: the API is back to its no-op.
    expect(trace.getTracer('x').startSpan('after').isRecording()).toBe(false);
  });
});

describe('samplerOf', () => {
  it('samples by ratio at the root and follows the parent after it (parentbased_traceidratio)', () => {
    expect(decide('parentbased_traceidratio', 1)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide('parentbased_traceidratio', 0)).toBe(SamplingDecision.NOT_RECORD);
    expect(decide('parentbased_traceidratio', 0, sampled('01'))).toBe(
      SamplingDecision.RECORD_AND_SAMPLED,
    );
    expect(decide('parentbased_traceidratio', 1, sampled('00'))).toBe(SamplingDecision.NOT_RECORD);
  });

  it('knows the fixed samplers', () => {
    expect(decide('always_off', 1)).toBe(SamplingDecision.NOT_RECORD);
    expect(decide('always_on', 0)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide('parentbased_always_off', 1)).toBe(SamplingDecision.NOT_RECORD);
    expect(decide('parentbased_always_on', 0)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide('traceidratio', 0, sampled('01'))).toBe(SamplingDecision.NOT_RECORD);
  });
});

describe('tracesUrl', () => {
  it('appends the OTLP traces path to the collector base URL', () => {
    expect(tracesUrl('http://127.0.0.1:4318')).toBe('http://127.0.0.1:4318/v1/traces');
    expect(tracesUrl('http://jaeger:4318/')).toBe('http://jaeger:4318/v1/traces');
  });
});
