/**
 * The Redis ceiling: `redis-benchmark` running a hot-path Lua script with EVALSHA, the way the
 * services call it (one round trip per request), against the shop's Redis. The keys live under a
 * scratch sale id (`{sale:bench-…}`) that is deleted afterwards.
 */
import { Redis } from 'ioredis';
import { runCommand } from '../local/process';

export interface RedisCeiling {
  readonly name: string;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  readonly clients: number;
  readonly command: string;
}

/** The last CSV row of `redis-benchmark --csv`: rps and the latency columns (ms). */
export function parseRedisBenchmarkCsv(output: string): {
  rps: number;
  avgMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
} {
  // The first column is the command as typed, quoted but not escaped: read the numbers from the end.
  const rows = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /"[\d.]+"$/.test(l));
  const last = rows[rows.length - 1];
  const nums = last ? [...last.matchAll(/"([\d.]+)"/g)].map((m) => Number(m[1])) : [];
  if (nums.length < 7)
    throw new Error(`redis-benchmark printed no CSV result:\n${output.slice(-800)}`);
  const [rps, avgMs, , p50Ms, p95Ms, p99Ms, maxMs] = nums.slice(-7);
  return { rps, avgMs, p50Ms, p95Ms, p99Ms, maxMs };
}

export interface ScriptBench {
  readonly name: string;
  readonly script: string;
  /** Keys; `__rand_int__` is replaced per request by redis-benchmark (with -r). */
  readonly keys: readonly string[];
  readonly args: readonly string[];
  /** Prepares the scratch keys (e.g. the sale's stock and meta). */
  readonly setup?: (redis: Redis) => Promise<void>;
  /** Key pattern(s) to delete afterwards (SCAN MATCH). */
  readonly cleanup: readonly string[];
}

export interface RedisCeilingOptions {
  readonly host: string;
  readonly port: number;
  readonly clients: number;
  readonly requests: number;
  readonly log: (line: string) => void;
}

export async function measureScript(
  bench: ScriptBench,
  opts: RedisCeilingOptions,
): Promise<RedisCeiling> {
  const redis = new Redis({
    host: opts.host,
    port: opts.port,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
  });
  await redis.connect();
  try {
    await bench.setup?.(redis);
    const sha = (await redis.script('LOAD', bench.script)) as string;
    const args = [
      '-h', opts.host,
      '-p', String(opts.port),
      '-c', String(opts.clients),
      '-n', String(opts.requests),
      '-r', '100000000',
      '--csv',
      'EVALSHA', sha, String(bench.keys.length), ...bench.keys, ...bench.args,
    ]; // prettier-ignore
    const command = benchmarkCommandLine(args, sha);
    const result = await runCommand('redis-benchmark', args, {
      log: opts.log,
      label: command,
      timeoutMs: 300_000,
    });
    const parsed = parseRedisBenchmarkCsv(result.stdout);
    // A script error still counts as a request in redis-benchmark: check one call by hand.
    await redis.evalsha(
      sha,
      bench.keys.length,
      ...bench.keys.map((k) => k.replace(/__rand_int__/g, 'check')),
      ...bench.args,
    );
    return {
      name: bench.name,
      rps: parsed.rps,
      p50Ms: parsed.p50Ms,
      p99Ms: parsed.p99Ms,
      requests: opts.requests,
      clients: opts.clients,
      command,
    };
  } finally {
    for (const pattern of bench.cleanup) await deleteMatching(redis, pattern);
    redis.disconnect();
  }
}

async function deleteMatching(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
}

/** The command line as shown and documented: the script's sha and long JSON arguments elided. */
export function benchmarkCommandLine(args: readonly string[], sha: string): string {
  const shown = args.map((a) => {
    if (a === sha) return '<sha1 of the script>';
    if (a.startsWith('{"')) return `'<json, ${a.length} bytes>'`;
    return /[\s{}"]/.test(a) ? `'${a}'` : a;
  });
  return `redis-benchmark ${shown.join(' ')}`;
}
