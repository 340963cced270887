import {
  BENCH_DEFAULTS,
  HOT_PATH_DEFAULTS,
  UsageError,
  isLoopback,
  parseBenchArgs,
  parseDuration,
  parseLoadArgs,
  parseOptions,
  rampPhases,
} from './args';

describe('parseDuration', () => {
  it('reads seconds, minutes and milliseconds', () => {
    expect(parseDuration('20')).toBe(20);
    expect(parseDuration('20s')).toBe(20);
    expect(parseDuration('1.5s')).toBe(1.5);
    expect(parseDuration('2m')).toBe(120);
    expect(parseDuration('500ms')).toBe(0.5);
  });

  it('rejects anything else', () => {
    for (const bad of ['', 'x', '-1', '1h', '0', '0s', '1 s s'])
      expect(() => parseDuration(bad)).toThrow(UsageError);
  });
});

describe('parseOptions', () => {
  it('takes --name value, --name=value and flags', () => {
    const r = parseOptions(['--a', '1', '--b=2', '--f', 'pos'], ['--a', '--b'], ['--f']);
    expect([...r.values]).toEqual([
      ['--a', '1'],
      ['--b', '2'],
    ]);
    expect([...r.flags]).toEqual(['--f']);
    expect(r.positional).toEqual(['pos']);
  });

  it('rejects unknown options, missing values and valued flags', () => {
    expect(() => parseOptions(['--x'], ['--a'])).toThrow(/unknown option --x/);
    expect(() => parseOptions(['--a'], ['--a'])).toThrow(/--a needs a value/);
    expect(() => parseOptions(['--a', '--b', '1'], ['--a', '--b'])).toThrow(/--a needs a value/);
    expect(() => parseOptions(['--f=1'], [], ['--f'])).toThrow(/takes no value/);
  });
});

describe('isLoopback', () => {
  it('accepts only this machine', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '[::1]'])
      expect(isLoopback(h)).toBe(true);
    for (const h of ['10.0.0.1', '192.168.1.1', 'example.com', '0.0.0.0', '128.0.0.1'])
      expect(isLoopback(h)).toBe(false);
  });
});

describe('parseLoadArgs', () => {
  it('shows help', () => {
    for (const argv of [[], ['help'], ['-h'], ['hot-path', '--help']])
      expect(parseLoadArgs(argv)).toEqual({ kind: 'help' });
  });

  it('uses the defaults', () => {
    expect(parseLoadArgs(['hot-path'])).toEqual({ kind: 'hot-path', options: HOT_PATH_DEFAULTS });
  });

  it('reads every option', () => {
    const cmd = parseLoadArgs([
      'hot-path',
      '--url',
      'http://localhost:3100/',
      '--stock=5',
      '--users',
      '50',
      '--per-user-limit',
      '2',
      '--rate',
      '3000',
      '--connections',
      '16',
      '--steps',
      '2',
      '--duration',
      '1m',
      '--timeout',
      '2s',
    ]);
    expect(cmd).toEqual({
      kind: 'hot-path',
      options: {
        url: 'http://localhost:3100',
        stock: 5,
        users: 50,
        perUserLimit: 2,
        rate: 3000,
        connections: 16,
        steps: 2,
        durationSec: 60,
        timeoutSec: 2,
      },
    });
  });

  it('rejects bad input', () => {
    expect(() => parseLoadArgs(['soak'])).toThrow(/unknown scenario "soak"/);
    expect(() => parseLoadArgs(['hot-path', '--stock', '0'])).toThrow(/--stock must be in/);
    expect(() => parseLoadArgs(['hot-path', '--stock', '1.5'])).toThrow(/takes an integer/);
    expect(() => parseLoadArgs(['hot-path', '--per-user-limit', '101'])).toThrow(/\[1, 100\]/);
    expect(() => parseLoadArgs(['hot-path', '--url', 'http://10.1.2.3:3000'])).toThrow(
      /this machine/,
    );
    expect(() => parseLoadArgs(['hot-path', '--url', 'https://127.0.0.1'])).toThrow(/only http/);
    expect(() => parseLoadArgs(['hot-path', '--url', 'nope'])).toThrow(/not a URL/);
    expect(() => parseLoadArgs(['hot-path', '--steps', '10', '--duration', '5s'])).toThrow(
      /at least 1 s/,
    );
    expect(() => parseLoadArgs(['hot-path', 'extra'])).toThrow(/unexpected argument/);
  });
});

describe('rampPhases', () => {
  it('grows connections and rate linearly to the peak', () => {
    expect(rampPhases(64, 2000, 4, 20)).toEqual([
      { name: 'ramp 1/4', connections: 16, rate: 500, durationSec: 5 },
      { name: 'ramp 2/4', connections: 32, rate: 1000, durationSec: 5 },
      { name: 'ramp 3/4', connections: 48, rate: 1500, durationSec: 5 },
      { name: 'ramp 4/4', connections: 64, rate: 2000, durationSec: 5 },
    ]);
  });

  it('keeps at least one connection and leaves the rate open when 0', () => {
    const phases = rampPhases(2, 0, 4, 8);
    expect(phases.map((p) => p.connections)).toEqual([1, 1, 2, 2]);
    expect(phases.every((p) => p.rate === 0 && p.durationSec === 2)).toBe(true);
  });
});

describe('parseBenchArgs', () => {
  it('uses the defaults', () => {
    expect(parseBenchArgs(['hot-path'])).toEqual({ kind: 'hot-path', options: BENCH_DEFAULTS });
    expect(parseBenchArgs([])).toEqual({ kind: 'help' });
  });

  it('has a quick mode whose values explicit options override', () => {
    const quick = parseBenchArgs(['hot-path', '--quick']);
    expect(quick.kind === 'hot-path' && quick.options).toMatchObject({
      acceptedSteps: [1, 4, 16, 64],
      stepSec: 4,
      warmupSec: 1,
      users: 500,
    });
    const mixed = parseBenchArgs([
      'hot-path',
      '--quick',
      '--step',
      '6s',
      '--accepted-steps',
      '2,8',
    ]);
    expect(mixed.kind === 'hot-path' && mixed.options).toMatchObject({
      acceptedSteps: [2, 8],
      stepSec: 6,
    });
  });

  it('reads flags and skip lists', () => {
    const cmd = parseBenchArgs([
      'hot-path',
      '--profile',
      '--update-docs',
      '--skip',
      'redis,postgres',
      '--wait-quiet',
      '5m',
    ]);
    expect(cmd.kind === 'hot-path' && cmd.options.waitQuietSec).toBe(300);
    expect(cmd.kind === 'hot-path' && cmd.options.profile).toBe(true);
    expect(cmd.kind === 'hot-path' && cmd.options.updateDocs).toBe(true);
    expect(cmd.kind === 'hot-path' && [...cmd.options.skip]).toEqual(['redis', 'postgres']);
  });

  it('rejects bad input', () => {
    expect(() => parseBenchArgs(['all'])).toThrow(/unknown benchmark/);
    expect(() => parseBenchArgs(['hot-path', '--skip', 'kafka'])).toThrow(/--skip takes/);
    expect(() => parseBenchArgs(['hot-path', '--accepted-steps', '1,x'])).toThrow(/integer/);
    expect(() => parseBenchArgs(['hot-path', '--connections', '0'])).toThrow(/\[1, 10000\]/);
  });
});
