import {
  type StageCpu,
  answeredCount,
  cpuLines,
  labelsUsPerRequest,
  machineBusyPercent,
  stageCpu,
} from './cpu';
import type { CpuSnapshot } from '../bench/cpu';
import type { Answer } from './results';

const proc = (label: string, ticks: number, startTicks = 1, ppid = 1) => ({
  label,
  ticks,
  startTicks,
  ppid,
});

/**
 * Two snapshots 2 s apart (100 ticks a second): the hot path used 120 ticks, the saga 50, the
 * generator 85 (80 in the engine's process, 5 in a vegeta started meanwhile), a bare server 0,
 * "other" 4; /proc/stat saw 15 more than the processes (unaccounted).
 */
const before: CpuSnapshot = {
  uptimeSec: 100,
  machineBusy: 10_000,
  procs: new Map([
    [1, proc('gateway', 1000)],
    [2, proc('order-service', 500)],
    [3, proc('redis', 200)],
    [4, proc('kafka', 300)],
    [5, proc('inventory-service', 100)],
    [6, proc('postgres', 400)],
    [7, proc('load generator', 50)],
    [8, proc('other', 7)],
  ]),
};
const after: CpuSnapshot = {
  uptimeSec: 102,
  machineBusy: 10_000 + 120 + 50 + 85 + 4 + 15,
  procs: new Map([
    [1, proc('gateway', 1060)],
    [2, proc('order-service', 540)],
    [3, proc('redis', 210)],
    [4, proc('kafka', 310)],
    [5, proc('inventory-service', 120)],
    [6, proc('postgres', 430)],
    [7, proc('load generator', 130)],
    [8, proc('other', 11)],
    [9, proc('load generator', 5, 10_050, 7)], // a vegeta started during the stage
  ]),
};

describe('CPU per answered request', () => {
  const cpu = stageCpu(before, after, 2, 1000, 2);

  it('groups the labels: hot path, saga, generator, bare server', () => {
    // 1.2 s of hot-path CPU over 1,000 answers: 1,200 µs each.
    expect(cpu.usPerRequest).toEqual({
      hotPath: 1200,
      saga: 500,
      generator: 850,
      bareServer: 0,
      byLabel: {
        gateway: 600,
        'order-service': 400,
        redis: 100,
        kafka: 100,
        'inventory-service': 200,
        postgres: 300,
        'load generator': 850,
        other: 40,
        unaccounted: 150,
      },
    });
  });

  it('keeps the shares, largest first, and how busy the machine was', () => {
    expect(cpu.wallSec).toBe(2);
    expect(cpu.answers).toBe(1000);
    expect(cpu.shares.slice(0, 3)).toEqual([
      { label: 'load generator', percent: 42.5 },
      { label: 'gateway', percent: 30 },
      { label: 'order-service', percent: 20 },
    ]);
    // 274 ticks in 2 s = 137 % of one core = 68.5 % of two.
    expect(cpu.machineBusyPercent).toBe(68.5);
    expect(machineBusyPercent([{ label: 'gateway', percent: 80 }], 0)).toBe(80);
  });

  it('has no figure per request for a stage without answers', () => {
    const idle = stageCpu(before, after, 2, 0, 2);
    expect(idle.usPerRequest).toEqual({
      hotPath: null,
      saga: null,
      generator: null,
      bareServer: null,
      byLabel: {},
    });
    expect(labelsUsPerRequest([{ label: 'gateway', percent: 50 }], ['gateway'], 10, 0)).toBeNull();
  });

  it('writes summary.json without NaN or float noise', () => {
    const json = JSON.parse(JSON.stringify(stageCpu(before, after, 3, 7, 2))) as StageCpu;
    expect(Object.keys(json)).toEqual([
      'wallSec',
      'answers',
      'shares',
      'machineBusyPercent',
      'usPerRequest',
    ]);
    expect(Object.keys(json.usPerRequest)).toEqual([
      'hotPath',
      'saga',
      'generator',
      'bareServer',
      'byLabel',
    ]);
    // 1.2 s / 7 answers = 171,428.57… µs, kept to 0.1 µs; 40 % of a core to 0.1 %.
    expect(json.usPerRequest.hotPath).toBe(171_428.6);
    expect(json.shares.find((s) => s.label === 'gateway')?.percent).toBe(20);
  });

  it('counts only the requests that got an HTTP answer', () => {
    const a = (status: number) => ({ status }) as Answer;
    expect(answeredCount([a(202), a(0), a(409), a(503)])).toBe(3);
  });
});

describe('the CPU table', () => {
  const cpu = stageCpu(before, after, 2, 1000, 2);

  it('lists each measured stage, bare servers by their series', () => {
    const lines = cpuLines([
      { series: 'shop', stage: 'ramp', cpu },
      { series: 'shop', stage: 'not measured' },
      {
        series: 'node:http',
        stage: 'ramp',
        cpu: { ...cpu, usPerRequest: { ...cpu.usPerRequest, bareServer: 61.4 } },
      },
    ]);
    expect(lines[0]).toBe('CPU per answered request (µs; from /proc over each stage):');
    const [head, shop, bare] = lines[1].split('\n');
    expect(head).toMatch(
      /^stage\s+answers\s+hot path\s+saga\s+generator\s+bare server\s+machine busy\s+top \(% of a core\)$/,
    );
    expect(shop).toMatch(
      /^ramp\s+1,000\s+1,200\s+500\s+850\s+0\s+69%\s+load generator 43%, gateway 30%, order-service 20%$/,
    );
    expect(bare).toMatch(/^node:http: ramp\s+1,000\s+1,200\s+500\s+850\s+61\s+69%/);
    expect(lines.join('\n')).toContain('hot path = gateway + order-service + redis + kafka');
    expect(lines.join('\n')).toContain('the figure to compare');
  });

  it('leaves the bare-server column out of a run without bare servers, and prints nothing unmeasured', () => {
    expect(cpuLines([{ series: 'shop', stage: 'burst', cpu }])[1]).not.toContain('bare server');
    expect(cpuLines([{ series: 'shop', stage: 'burst' }])).toEqual([]);
  });
});
