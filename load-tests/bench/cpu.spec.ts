import {
  cpuPerRequestUs,
  cpuShares,
  disturbance,
  formatCpuShares,
  labelOf,
  parseMachineBusy,
  parseProcStat,
} from './cpu';

describe('parseProcStat', () => {
  it('reads pid, comm, ppid and CPU ticks (own and reaped children), even with spaces and parentheses in comm', () => {
    const line =
      '4242 (node (worker) 1) S 4200 4242 4242 0 -1 4194304 100 0 0 0 1500 250 30 20 20 0 11 0 12345 0 0';
    expect(parseProcStat(line)).toEqual({
      pid: 4242,
      comm: 'node (worker) 1',
      ppid: 4200,
      ticks: 1800, // utime 1500 + stime 250 + reaped children 30 + 20
      startTicks: 12345,
    });
  });

  it('returns null for garbage', () => {
    expect(parseProcStat('')).toBeNull();
    expect(parseProcStat('12 no parens')).toBeNull();
  });
});

describe('labelOf', () => {
  it('names the shop processes', () => {
    expect(
      labelOf(['node', '--enable-source-maps', '/r/dist/apps/order-service/src/main.js'], 'node'),
    ).toBe('order-service');
    expect(
      labelOf(['node', '-r', '@swc-node/register', 'infra/bench/ceiling-server.ts'], 'node'),
    ).toBe('ceiling server');
    expect(labelOf(['/usr/bin/redis-server', '127.0.0.1:6379'], 'redis-server')).toBe('redis');
    expect(labelOf(['node', 'infra/bench/ceiling-server.ts', '--kind', 'fastify'], 'node')).toBe(
      'fastify floor',
    );
    expect(labelOf(['redis-aof-rewrite 127.0.0.1:6379'], 'redis-aof-rewr')).toBe(
      'redis (AOF rewrite / snapshot)',
    );
    expect(labelOf(['postgres: seckill seckill_order 127.0.0.1(5555) idle'], 'postgres')).toBe(
      'postgres',
    );
    expect(labelOf(['java', '-Xmx512m', 'kafka.Kafka', 'server.properties'], 'java')).toBe('kafka');
    expect(labelOf(['bash'], 'bash')).toBeNull();
  });

  it("names load-tests' vegeta processes the load generator, not other", () => {
    const attack = ['/r/.tools/bin/vegeta', 'attack', '-format=json', '-targets=/r/t.jsonl'];
    expect(labelOf(attack, 'vegeta')).toBe('load generator');
    expect(labelOf(['/r/.tools/bin/vegeta', 'encode', '--to', 'json'], 'vegeta')).toBe(
      'load generator',
    );
  });
});

describe('cpuShares', () => {
  const proc = (label: string, ticks: number, startTicks = 100, ppid = 1) => ({
    label,
    ticks,
    startTicks,
    ppid,
  });

  it('turns per-pid tick deltas into percent of one core per label, largest first', () => {
    const before = {
      uptimeSec: 10, // = 1000 ticks
      machineBusy: null,
      procs: new Map([
        [1, proc('gateway', 100)],
        [2, proc('redis', 50)],
        [3, proc('other', 10, 100, 99)], // exits; its parent is not watched
        [4, proc('other', 500, 200)], // replaced by pid 4 reused below
      ]),
    };
    const after = {
      uptimeSec: 12,
      machineBusy: null,
      procs: new Map([
        [1, proc('gateway', 300)],
        [2, proc('redis', 70)],
        [4, proc('other', 6, 1100)], // a new process on a reused pid: all of its ticks count
        [5, proc('tool', 4, 1050)], // started during the phase
        [6, proc('other', 9999, 50)], // missed by the first snapshot: ignored
      ]),
    };
    expect(cpuShares(before, after, 2)).toEqual([
      { label: 'gateway', percent: 100 },
      { label: 'redis', percent: 10 },
      { label: 'other', percent: 3 },
      { label: 'tool', percent: 2 },
    ]);
    expect(cpuShares(before, after, 0)).toEqual([]);
  });

  it('formats the shares, dropping the small ones', () => {
    expect(
      formatCpuShares([
        { label: 'gateway', percent: 99.6 },
        { label: 'redis', percent: 12.2 },
        { label: 'other', percent: 1 },
      ]),
    ).toBe('gateway 100%, redis 12%');
    expect(formatCpuShares([])).toBe('-');
  });
});

describe('cpuPerRequestUs', () => {
  it('divides the CPU of the processes under test by the request rate', () => {
    const shares = [
      { label: 'load driver', percent: 90 },
      { label: 'gateway (bench)', percent: 100 },
      { label: 'redis', percent: 20 },
      { label: 'other', percent: 30 },
      { label: 'gateway', percent: 15 },
    ];
    expect(cpuPerRequestUs(shares, 6000)).toBeCloseTo(200, 6); // 1.2 cores / 6000 req/s
    expect(cpuPerRequestUs(shares, 0)).toBeNaN();
    // less what each process used at rest
    expect(cpuPerRequestUs(shares, 6000, [{ label: 'redis', percent: 8 }])).toBeCloseTo(186.67, 2);
    expect(cpuPerRequestUs(shares, 6000, [{ label: 'redis', percent: 50 }])).toBeCloseTo(166.67, 2);
    // a vegeta on the machine is a load generator: not under test, as when it was "other"
    expect(
      cpuPerRequestUs([...shares, { label: 'load generator', percent: 60 }], 6000),
    ).toBeCloseTo(200, 6);
  });
});

describe('disturbance', () => {
  it('names the CPU used by processes outside the bench, above what they use at rest', () => {
    const shares = [
      { label: 'gateway (bench)', percent: 100 },
      { label: 'other', percent: 83 },
      { label: 'gateway', percent: 4 },
    ];
    expect(disturbance(shares, [{ label: 'other', percent: 3 }])).toBe('other 80%, gateway 4%');
    expect(disturbance([{ label: 'load generator', percent: 40 }])).toBe('load generator 40%');
    expect(disturbance([{ label: 'other', percent: 9 }])).toBeNull();
    expect(
      disturbance([{ label: 'other', percent: 30 }], [{ label: 'other', percent: 25 }]),
    ).toBeNull();
  });
});

describe('machine-wide CPU', () => {
  it('reads user + nice + system + steal from /proc/stat', () => {
    const stat =
      'cpu  405357 5 63861 686918 4037 0 9696 161 0 0\ncpu0 198038 0 29667 351720 712 0 4539 83 0 0\n';
    expect(parseMachineBusy(stat)).toBe(405357 + 5 + 63861 + 161);
    expect(parseMachineBusy('nothing')).toBeNull();
  });

  it('reports what the machine did beyond the processes seen as unaccounted', () => {
    const procs = (ticks: number) =>
      new Map([[1, { label: 'gateway (bench)', ticks, startTicks: 1, ppid: 0 }]]);
    const before = { uptimeSec: 10, procs: procs(100), machineBusy: 5000 };
    const after = { uptimeSec: 11, procs: procs(180), machineBusy: 5130 };
    expect(cpuShares(before, after, 1)).toEqual([
      { label: 'gateway (bench)', percent: 80 },
      { label: 'unaccounted', percent: 50 },
    ]);
    expect(disturbance(cpuShares(before, after, 1))).toBe('unaccounted 50%');
  });
});

describe('reaped children', () => {
  it('count for the parent, less what they used before the phase', () => {
    const p = (label: string, ticks: number, ppid: number) => ({
      label,
      ticks,
      startTicks: 1,
      ppid,
    });
    // pid 10 (redis) forks pid 11 (a snapshot) that has used 30 ticks; during the phase the fork
    // uses 50 more and exits; redis reaps it, so its children counter grows by all 80.
    const before = {
      uptimeSec: 10,
      machineBusy: null,
      procs: new Map([
        [10, p('redis', 100, 1)],
        [11, p('redis (AOF rewrite / snapshot)', 30, 10)],
      ]),
    };
    const after = {
      uptimeSec: 11,
      machineBusy: null,
      procs: new Map([[10, p('redis', 100 + 20 + 80, 1)]]),
    };
    expect(cpuShares(before, after, 1)).toEqual([{ label: 'redis', percent: 70 }]); // 20 own + 50 of the fork
  });
});
