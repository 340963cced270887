import { counterDeltas, metricByLabel, metricSum } from './prom';

const page = `# HELP gateway_shed_requests_total Requests the gateway answered itself.
# TYPE gateway_shed_requests_total counter
gateway_shed_requests_total{reason="rate_limited_user",service="gateway"} 3
gateway_shed_requests_total{reason="sold_out",service="gateway"} 19832
gateway_shed_requests_total_other{reason="sold_out"} 5
process_cpu_seconds_total 12.5
`;

describe('metricSum', () => {
  it('sums the samples whose labels match', () => {
    expect(metricSum(page, 'gateway_shed_requests_total', { reason: 'sold_out' })).toBe(19832);
    expect(metricSum(page, 'gateway_shed_requests_total')).toBe(19835);
    expect(metricSum(page, 'gateway_shed_requests_total', { reason: 'nope' })).toBe(0);
    expect(metricSum(page, 'process_cpu_seconds_total')).toBe(12.5);
    expect(metricSum('', 'x')).toBe(0);
  });
});

describe('metricByLabel and counterDeltas', () => {
  it('splits a counter by one label', () => {
    expect([...metricByLabel(page, 'gateway_shed_requests_total', 'reason')]).toEqual([
      ['rate_limited_user', 3],
      ['sold_out', 19832],
    ]);
  });

  it('tells how much each label value grew', () => {
    const later = page.replace('19832', '20000').replace('} 3', '} 3');
    expect([...counterDeltas(page, later, 'gateway_shed_requests_total', 'reason')]).toEqual([
      ['sold_out', 168],
    ]);
    expect([...counterDeltas(null, page, 'gateway_shed_requests_total', 'reason')]).toEqual([
      ['rate_limited_user', 3],
      ['sold_out', 19832],
    ]);
    expect(counterDeltas(page, null, 'gateway_shed_requests_total', 'reason').size).toBe(0);
  });
});
