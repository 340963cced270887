import { UsageError, isLoopback, parseDuration } from '../engine/infra';
import { BENCH_DEFAULTS, parseBenchArgs } from './args';

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

describe('isLoopback', () => {
  it('accepts only this machine', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '[::1]'])
      expect(isLoopback(h)).toBe(true);
    for (const h of ['10.0.0.1', '192.168.1.1', 'example.com', '0.0.0.0', '128.0.0.1'])
      expect(isLoopback(h)).toBe(false);
  });
});

describe('parseBenchArgs', () => {
  it('uses the defaults', () => {
    expect(parseBenchArgs(['hot-path'])).toEqual({ kind: 'hot-path', options: BENCH_DEFAULTS });
    expect(parseBenchArgs(['drain', '--orders', '10'])).toEqual({
      kind: 'drain',
      argv: ['--orders', '10'],
    });
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
