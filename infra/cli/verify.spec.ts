import { DEFAULT_TIMEOUT_SEC, type Io, main, parseVerifyArgs } from './verify';

function capture(): Io & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (text) => (out += text),
    err: (text) => (err += text),
    color: false,
    stdout: () => out,
    stderr: () => err,
  };
}

describe('parseVerifyArgs', () => {
  it('defaults to every sale, the default timeout, the table and the local shop', () => {
    expect(parseVerifyArgs([])).toEqual({
      kind: 'verify',
      saleId: null,
      timeoutMs: DEFAULT_TIMEOUT_SEC * 1000,
      json: false,
      overrides: {
        postgresUrl: undefined,
        redisUrl: undefined,
        kafkaBrokers: undefined,
        dlqTopic: undefined,
      },
    });
  });

  it('takes the sale, a timeout, --json and other endpoints', () => {
    expect(
      parseVerifyArgs([
        '--sale',
        '0f9c',
        '--timeout=2m',
        '--json',
        '--postgres-url',
        'postgresql://u:p@127.0.0.1:5433/postgres',
        '--redis-url',
        'redis://127.0.0.1:6379/9',
        '--brokers',
        '127.0.0.1:9092, 127.0.0.1:9093',
        '--dlq-topic',
        'it.dlq',
      ]),
    ).toEqual({
      kind: 'verify',
      saleId: '0f9c',
      timeoutMs: 120_000,
      json: true,
      overrides: {
        postgresUrl: 'postgresql://u:p@127.0.0.1:5433/postgres',
        redisUrl: 'redis://127.0.0.1:6379/9',
        kafkaBrokers: ['127.0.0.1:9092', '127.0.0.1:9093'],
        dlqTopic: 'it.dlq',
      },
    });
  });

  it('shows the help for --help and -h', () => {
    expect(parseVerifyArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseVerifyArgs(['--json', '-h'])).toEqual({ kind: 'help' });
  });
});

describe('verify command line: usage errors exit 2 with one line saying what to do', () => {
  it.each([
    [['--bogus'], 'verify: unknown option --bogus (see --help)'],
    [
      ['--timeout', 'soon'],
      'verify: not a duration: "soon" (e.g. 30, 30s, 2m, 500ms) (see --help)',
    ],
    [['--timeout'], 'verify: --timeout needs a value (see --help)'],
    [['--sale', ''], 'verify: --sale needs a sale id (see --help)'],
    [['--json=yes'], 'verify: --json takes no value (see --help)'],
    [['all'], 'verify: unexpected argument: all (see --help)'],
    [
      ['--redis-url', 'http://x'],
      'verify: --redis-url takes a redis:// URL, got "http://x" (see --help)',
    ],
    [['--brokers', 'kafka'], 'verify: --brokers takes host:port,..., got "kafka" (see --help)'],
  ])('%j', async (argv, line) => {
    const io = capture();
    expect(await main(argv, io)).toBe(2);
    expect(io.stderr()).toBe(`${line}\n`);
    expect(io.stdout()).toBe('');
  });

  it('prints the usage on --help and exits 0', async () => {
    const io = capture();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.stdout()).toContain('Usage: npm run verify -- [options]');
    expect(io.stderr()).toBe('');
  });

  it('names what it cannot reach and how to start the shop, exit 2', async () => {
    const io = capture();
    // Nothing listens on port 1: every store is unreachable, at once (no retry loop).
    const code = await main(
      [
        '--postgres-url',
        'postgresql://u:p@127.0.0.1:1/postgres',
        '--redis-url',
        'redis://127.0.0.1:1',
        '--brokers',
        '127.0.0.1:1',
        '--timeout',
        '1',
      ],
      io,
    );
    expect(code).toBe(2);
    const lines = io.stderr().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      'verify: cannot reach PostgreSQL 127.0.0.1:1 (connect ECONNREFUSED 127.0.0.1:1); Redis 127.0.0.1:1 (connect ECONNREFUSED 127.0.0.1:1); Kafka 127.0.0.1:1 (',
    );
    expect(lines[0]).toContain('Redis 127.0.0.1:1');
    expect(lines[0]).toContain('Kafka 127.0.0.1:1');
    expect(lines[0]).toContain('Start it with "npm run shop -- --detach"');
  });
});
