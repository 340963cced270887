import { formatProfileSummary, originOf, summarizeProfile, type CpuProfile } from './cpuprofile';

const frame = (functionName: string, url = '', lineNumber = 0) => ({
  functionName,
  url,
  lineNumber,
});

// root → (idle) | handler (apps/gateway) → verify (libs/auth) | parse (node_modules/fastify)
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 3, 6] },
    { id: 2, callFrame: frame('(idle)') },
    {
      id: 3,
      callFrame: frame('handle', 'file:///r/dist/apps/gateway/src/shop.controller.js', 9),
      children: [4, 5],
    },
    { id: 4, callFrame: frame('verify', 'file:///r/dist/libs/auth/src/jwt.js', 41) },
    { id: 5, callFrame: frame('parse', 'file:///r/node_modules/fastify/lib/route.js', 99) },
    { id: 6, callFrame: frame('(garbage collector)') },
  ],
  // Sample i lasts timeDeltas[i + 1].
  samples: [2, 3, 4, 4, 5, 6, 2],
  timeDeltas: [0, 1000, 2000, 3000, 3000, 1000, 1000],
  startTime: 0,
  endTime: 11000,
};

describe('originOf', () => {
  it('groups frames by where they come from', () => {
    expect(originOf('file:///r/node_modules/fastify/lib/route.js', 'x')).toBe('pkg:fastify');
    expect(originOf('file:///r/node_modules/@nestjs/core/router/x.js', 'x')).toBe(
      'pkg:@nestjs/core',
    );
    expect(originOf('node:internal/http', 'x')).toBe('node:internal');
    expect(originOf('file:///r/dist/apps/gateway/src/a.js', 'x')).toBe('apps/gateway');
    expect(originOf('file:///r/dist/libs/redis/src/a.js', 'x')).toBe('libs/redis');
    expect(originOf('', '(garbage collector)')).toBe('(gc)');
    expect(originOf('', '(idle)')).toBe('(idle)');
    expect(originOf('', '(program)')).toBe('(program)');
    expect(originOf('', 'writev')).toBe('(native)');
  });
});

describe('summarizeProfile', () => {
  it('adds self time per function and origin, idle excluded from the ranking', () => {
    const s = summarizeProfile(profile);
    expect(s.totalMs).toBe(11);
    expect(s.busyMs).toBe(10); // 1 ms idle (the first sample)
    expect(s.topFunctions[0]).toEqual({
      name: 'verify libs/auth/src/jwt.js:42',
      selfMs: 6,
      percent: 60,
      via: 'handle apps/gateway/src/shop.controller.js:10',
    });
    expect(s.topFunctions.map((f) => f.name)).toEqual([
      'verify libs/auth/src/jwt.js:42',
      'handle apps/gateway/src/shop.controller.js:10',
      'parse fastify/lib/route.js:100',
      '(garbage collector)',
    ]);
    expect(s.byOrigin.map((o) => [o.name, o.selfMs])).toEqual([
      ['libs/auth', 6],
      ['apps/gateway', 2],
      ['pkg:fastify', 1],
      ['(gc)', 1],
    ]);
    const text = formatProfileSummary('gateway', s);
    expect(text).toContain('gateway: 0.0 s busy of 0.0 s sampled');
    expect(text).toContain(
      ' 60.0%  verify libs/auth/src/jwt.js:42\n            ← handle apps/gateway/src/shop.controller.js:10',
    );
    expect(s.topFunctions.find((f) => f.name.startsWith('handle'))?.via).toBeUndefined();
  });

  it('keeps only the samples of a time window', () => {
    // Samples at t = 0, 1000, 3000, 6000, 9000, 10000, 11000 µs.
    const s = summarizeProfile(profile, 15, { startUs: 2500, endUs: 9500 });
    expect(s.totalMs).toBe(7); // the samples at 3000 and 6000 (verify, 3 ms each) and 9000 (parse, 1 ms)
    expect(s.byOrigin.map((o) => [o.name, o.selfMs])).toEqual([
      ['libs/auth', 6],
      ['pkg:fastify', 1],
    ]);
  });

  it('names the nearest callers outside node internals', () => {
    const s = summarizeProfile({
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2] },
        {
          id: 2,
          callFrame: frame('send', 'file:///r/node_modules/ioredis/built/Redis.js', 9),
          children: [3],
        },
        { id: 3, callFrame: frame('write', 'node:net', 1), children: [4] },
        {
          id: 4,
          callFrame: frame('writeGeneric', 'node:internal/stream_base_commons', 2),
          children: [5],
        },
        { id: 5, callFrame: frame('writeUtf8String') },
      ],
      samples: [5, 5],
      timeDeltas: [0, 1000],
      startTime: 0,
      endTime: 2000,
    });
    expect(s.topFunctions[0].via).toBe(
      'writeGeneric node:internal/stream_base_commons:3 ← … send ioredis/built/Redis.js:10',
    );
  });

  it('falls back to hit counts without a sample stream', () => {
    const s = summarizeProfile({
      nodes: [
        { id: 1, callFrame: frame('a', 'file:///x/a.js'), hitCount: 3 },
        { id: 2, callFrame: frame('b', 'file:///x/b.js'), hitCount: 1 },
      ],
      startTime: 0,
      endTime: 4000,
    });
    expect(s.topFunctions.map((f) => [f.name, f.selfMs])).toEqual([
      ['a /x/a.js:1', 3],
      ['b /x/b.js:1', 1],
    ]);
  });
});
