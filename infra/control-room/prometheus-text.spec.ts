import { bucketsOf, parsePrometheusText, quantileBetween, sumOf } from './prometheus-text';

const TEXT = `# HELP http_request_duration_seconds HTTP request duration
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.01",method="POST",route="/a",status_code="202",service="gateway"} 10
http_request_duration_seconds_bucket{le="0.1",method="POST",route="/a",status_code="202",service="gateway"} 30
http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/a",status_code="202",service="gateway"} 40
http_request_duration_seconds_count{method="POST",route="/a",status_code="202",service="gateway"} 40
http_request_duration_seconds_count{method="POST",route="/a",status_code="409",service="gateway"} 7
http_request_duration_seconds_count{method="GET",route="/b",status_code="200",service="gateway"} 99
gateway_shed_requests_total{reason="overloaded_queue",service="gateway"} 3
weird_label{a="x\\"y"} 1
this line is not a sample
nan_value NaN
`;

describe('parsePrometheusText', () => {
  const samples = parsePrometheusText(TEXT);

  it('reads names, labels (escapes included) and values, and skips what does not parse', () => {
    expect(samples.find((s) => s.name === 'weird_label')?.labels).toEqual({ a: 'x"y' });
    expect(samples.some((s) => s.name === 'this')).toBe(false);
    expect(samples.some((s) => s.name === 'nan_value')).toBe(false);
  });

  it('sums the samples whose labels match, by value or pattern', () => {
    expect(sumOf(samples, 'http_request_duration_seconds_count', { route: '/a' })).toBe(47);
    expect(sumOf(samples, 'http_request_duration_seconds_count', { status_code: /^4/ })).toBe(7);
    expect(sumOf(samples, 'gateway_shed_requests_total', { reason: /^overloaded_/ })).toBe(3);
    expect(sumOf(samples, 'absent_metric')).toBe(0);
  });

  it('reads a histogram as cumulative buckets, +Inf included', () => {
    expect([...bucketsOf(samples, 'http_request_duration_seconds', { route: '/a' })]).toEqual([
      [0.01, 10],
      [0.1, 30],
      [Infinity, 40],
    ]);
  });
});

describe('quantileBetween', () => {
  const before = new Map([
    [0.01, 10],
    [0.1, 30],
    [Infinity, 40],
  ]);

  it('interpolates inside the bucket of the rank, over the observations between two reads', () => {
    // 100 new observations: 50 under 10 ms, 50 between 10 and 100 ms.
    const after = new Map([
      [0.01, 60],
      [0.1, 130],
      [Infinity, 140],
    ]);
    expect(quantileBetween(before, after, 0.5)).toBeCloseTo(0.01);
    expect(quantileBetween(before, after, 0.75)).toBeCloseTo(0.01 + 0.09 * 0.5);
  });

  it('is null when nothing was observed, and the top finite bound for the +Inf bucket', () => {
    expect(quantileBetween(before, before, 0.5)).toBeNull();
    const slow = new Map([
      [0.01, 10],
      [0.1, 30],
      [Infinity, 50],
    ]);
    expect(quantileBetween(before, slow, 0.99)).toBe(0.1);
  });
});
