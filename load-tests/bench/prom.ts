/**
 * Reading a counter from a service's Prometheus text (`GET /metrics`), e.g. how many requests
 * the gateway shed itself (`gateway_shed_requests_total{reason="sold_out"}`) during a run. The
 * text format itself is read by one parser, the control room's (prometheus-text.ts).
 */
import { parsePrometheusText, sumOf } from '../engine/infra';

/** Sum of the samples of `name` whose labels include every pair in `labels`. */
export function metricSum(
  text: string,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number {
  return sumOf(parsePrometheusText(text), name, labels);
}

/** The label values of `label` on the samples of `name`, with their sums. */
export function metricByLabel(text: string, name: string, label: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const sample of parsePrometheusText(text)) {
    const value = sample.labels[label];
    if (sample.name !== name || value === undefined) continue;
    out.set(value, (out.get(value) ?? 0) + sample.value);
  }
  return out;
}

/** Fetches a /metrics page; null when it cannot be had (the numbers are then left out). */
export async function fetchMetrics(baseUrl: string): Promise<string | null> {
  try {
    const res = await fetch(new URL('/metrics', baseUrl), { signal: AbortSignal.timeout(3000) });
    return res.ok ? await res.text() : null;
  } catch {
    return null;
  }
}

/** Per label value, how much a counter grew between two scrapes. */
export function counterDeltas(
  before: string | null,
  after: string | null,
  name: string,
  label: string,
): Map<string, number> {
  const out = new Map<string, number>();
  if (after === null) return out;
  const b = before === null ? new Map<string, number>() : metricByLabel(before, name, label);
  for (const [k, v] of metricByLabel(after, name, label)) {
    const d = v - (b.get(k) ?? 0);
    if (d > 0) out.set(k, d);
  }
  return out;
}
