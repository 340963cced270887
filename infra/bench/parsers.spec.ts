import { PG_TRANSACTION_SQL, parsePgbenchLog, parsePgbenchTps } from './pg-ceiling';
import { benchmarkCommandLine, parseRedisBenchmarkCsv } from './redis-ceiling';

describe('redis-benchmark output', () => {
  it('reads the last CSV row, whatever the quoted command contains', () => {
    const out = [
      '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"',
      '"EVALSHA abc 2 {"a":"b,c"} x","32113.04","1.300","0.200","1.263","2.900","5.447","9.100"',
    ].join('\n');
    expect(parseRedisBenchmarkCsv(out)).toEqual({
      rps: 32113.04,
      avgMs: 1.3,
      p50Ms: 1.263,
      p95Ms: 2.9,
      p99Ms: 5.447,
      maxMs: 9.1,
    });
  });

  it('fails without a result row', () => {
    expect(() => parseRedisBenchmarkCsv('ERR unknown command')).toThrow(/no CSV result/);
  });

  it('shows the command line with the sha and the JSON payloads elided', () => {
    expect(
      benchmarkCommandLine(['-c', '50', 'EVALSHA', 'f00', '1', '{sale:x}:meta', '{"a":1}'], 'f00'),
    ).toBe(
      "redis-benchmark -c 50 EVALSHA <sha1 of the script> 1 '{sale:x}:meta' '<json, 7 bytes>'",
    );
  });
});

describe('pgbench output', () => {
  it('reads tps', () => {
    const out =
      'number of failed transactions: 0 (0.000%)\nlatency average = 3.5 ms\ninitial connection time = 12.1 ms\ntps = 2262.123456 (without initial connection time)\n';
    expect(parsePgbenchTps(out)).toBeCloseTo(2262.123456);
    expect(() => parsePgbenchTps('FATAL: password authentication failed')).toThrow(/no tps line/);
  });

  it('reads per-transaction latencies from the -l log', () => {
    expect(
      parsePgbenchLog('0 1 2350 0 1764075600 123456\n3 7 17060 0 1764075600 223456\n\ngarbage\n'),
    ).toEqual([2.35, 17.06]);
  });

  it('decrements conditionally in one transaction', () => {
    expect(PG_TRANSACTION_SQL).toMatch(
      /BEGIN;[\s\S]*WHERE sale_id = '[^']+' AND available >= 1;[\s\S]*INSERT INTO reservation[\s\S]*COMMIT;/,
    );
  });
});
