import { arrivalsBetween, gatewayCounters, ReadLoop } from './collector';
import { parsePrometheusText } from './prometheus-text';

const ROUTE = 'route="/api/sales/:saleId/orders"';

function scrape(counts: Record<string, number>, shed: number, fastBucket: number, total: number) {
  const lines = Object.entries(counts).map(
    ([status, n]) =>
      `http_request_duration_seconds_count{method="POST",${ROUTE},status_code="${status}"} ${n}`,
  );
  lines.push(
    `http_request_duration_seconds_bucket{le="0.005",method="POST",${ROUTE},status_code="202"} ${fastBucket}`,
    `http_request_duration_seconds_bucket{le="+Inf",method="POST",${ROUTE},status_code="202"} ${total}`,
    `http_request_duration_seconds_count{method="GET",route="/api/sales/:saleId",status_code="200"} 1000`,
    `gateway_shed_requests_total{reason="overloaded_in_flight"} ${shed}`,
    `gateway_shed_requests_total{reason="sold_out"} 999`,
  );
  return parsePrometheusText(lines.join('\n'));
}

describe('the gateway read as arrivals by outcome', () => {
  it("groups the purchase route's answers: a shed 503 is shed, not a server error", () => {
    const counters = gatewayCounters(
      scrape({ '202': 10, '409': 4, '429': 3, '400': 2, '401': 1, '503': 6, '500': 1 }, 5, 0, 0),
      0,
    );
    expect(counters.byOutcome).toEqual({
      accepted: 10,
      soldOut: 4,
      rateLimited: 3,
      shed: 5,
      clientError: 3,
      serverError: 2,
    });
  });

  it('turns two reads into answers per second and latency percentiles in ms', () => {
    const before = gatewayCounters(scrape({ '202': 100 }, 0, 100, 100), 10_000);
    const after = gatewayCounters(scrape({ '202': 300, '409': 50 }, 20, 300, 300), 12_000);
    const arrivals = arrivalsBetween(before, after);
    expect(arrivals.perSecond.accepted).toBe(100);
    expect(arrivals.perSecond.soldOut).toBe(25);
    expect(arrivals.perSecond.shed).toBe(10);
    expect(arrivals.latencyMs.p50).toBeCloseTo(2.5);
  });

  it('reports nothing, not a negative rate, across a restarted gateway', () => {
    const before = gatewayCounters(scrape({ '202': 500 }, 0, 0, 0), 0);
    const after = gatewayCounters(scrape({ '202': 3 }, 0, 0, 0), 1_000);
    expect(arrivalsBetween(before, after).perSecond.accepted).toBe(0);
    expect(arrivalsBetween(before, after).latencyMs.p99).toBeNull();
  });
});

describe('a store read by a loop of its own', () => {
  it('keeps the latest reading, and stops in the middle of its pause', async () => {
    let reads = 0;
    const loop = new ReadLoop(async () => ++reads, 60_000);
    expect(loop.latest).toMatchObject({ ok: false, error: 'not read yet' });
    loop.start();
    await new Promise((resolve) => setImmediate(resolve));
    expect(loop.latest).toMatchObject({ ok: true, value: 1 });
    // The next read is a minute away: stop() must not wait for it (the shop's stop waits on this).
    await loop.stop();
    expect(reads).toBe(1);
  });
});
