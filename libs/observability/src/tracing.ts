import { context, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  SimpleSpanProcessor,
  type SpanExporter,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

export type TraceSamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

/** The tracing part of a service's validated config (`tracingConfig` in libs/config). */
export interface TracingSettings {
  readonly OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  readonly OTEL_SDK_DISABLED?: boolean;
  readonly OTEL_TRACES_SAMPLER?: TraceSamplerName;
  readonly OTEL_TRACES_SAMPLER_ARG?: number;
}

export interface Tracing {
  readonly enabled: boolean;
  /** Exports the spans still buffered and stops the SDK; resolves when done (or it gave up). */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /**
   * Where spans go instead of OTLP/HTTP (tests pass an InMemorySpanExporter). Given, tracing
   * starts whatever the settings say, and each span is exported as it ends.
   */
  readonly exporter?: SpanExporter;
}

const OFF: Tracing = { enabled: false, shutdown: () => Promise.resolve() };

/** The process's tracer while the SDK runs; undefined means tracing is off (the default). */
let tracer: Tracer | undefined;
let provider: TracerProvider | undefined;

/**
 * True once `startTracing` started the SDK. Everything on the hot path asks this first and does
 * nothing else when it is false: no span, no context lookup, no header written.
 */
export function tracingEnabled(): boolean {
  return tracer !== undefined;
}

/** The tracer spans are made with, or undefined while tracing is off. */
export function activeTracer(): Tracer | undefined {
  return tracer;
}

/** Whether `settings` ask for tracing: a collector endpoint, and not OTEL_SDK_DISABLED. */
export function tracingWanted(settings: TracingSettings): boolean {
  return Boolean(settings.OTEL_EXPORTER_OTLP_ENDPOINT) && settings.OTEL_SDK_DISABLED !== true;
}

/** The specification's samplers by name; the ratio is OTEL_TRACES_SAMPLER_ARG. */
export function samplerOf(name: TraceSamplerName = 'parentbased_always_on', ratio = 1): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
}

/** OTLP/HTTP's traces path under the collector's base URL, as the specification builds it. */
export function tracesUrl(endpoint: string): string {
  return new URL('v1/traces', endpoint.endsWith('/') ? endpoint : `${endpoint}/`).toString();
}

/**
 * Starts the OpenTelemetry SDK for this process if `settings` ask for it, before the Nest app is
 * built (runService does it). Only the trace SDK: a tracer provider with the configured sampler,
 * the AsyncLocalStorage context manager (the same mechanism as the log correlation), and a
 * batching OTLP/HTTP exporter. No auto-instrumentation: the spans are the shop's own (the HTTP
 * hooks of service-kit, the Redis admission, the Kafka publisher and consumer runner), so they
 * follow the flow of an order rather than every socket. Off, nothing is started at all.
 */
export function startTracing(
  service: string,
  settings: TracingSettings,
  options: TracingOptions = {},
): Tracing {
  if (!options.exporter && !tracingWanted(settings)) return OFF;
  if (provider) throw new Error('tracing is already started in this process');
  const exporter =
    options.exporter ??
    new OTLPTraceExporter({ url: tracesUrl(settings.OTEL_EXPORTER_OTLP_ENDPOINT ?? '') });
  const processor = options.exporter
    ? new SimpleSpanProcessor({ exporter })
    : // Exported in the background, every second or 512 spans; a full queue drops spans, never
      // blocks a request.
      new BatchSpanProcessor({ exporter, scheduledDelayMillis: 1000, maxQueueSize: 8192 });
  const started = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    sampler: samplerOf(settings.OTEL_TRACES_SAMPLER, settings.OTEL_TRACES_SAMPLER_ARG),
    spanProcessors: [processor],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(started);
  provider = started;
  tracer = started.getTracer('@seckill/observability');
  return {
    enabled: true,
    shutdown: async () => {
      if (provider !== started) return;
      tracer = undefined;
      provider = undefined;
      try {
        await started.shutdown();
      } finally {
        trace.disable();
        context.disable();
      }
    },
  };
}
