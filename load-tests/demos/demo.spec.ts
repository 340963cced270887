import { demoEntry } from '../engine/infra';
import { check, headerLines, passed, pause, since, verdictLines, wrap } from './demo';

describe('headerLines', () => {
  it('says the title, the seed section and what to watch', () => {
    const entry = demoEntry('peak-shaving');
    const lines = headerLines(entry);
    expect(lines[0]).toBe('demo peak-shaving: A spike becomes lag, drained at the rate cap');
    expect(lines[1]).toBe(`seed: <PeakShavingDemo /> in ${entry.seedSection}`);
    expect(lines[2].startsWith('watch: The queue is a reservoir')).toBe(true);
    expect(lines.slice(2).join(' ').replace(/\s+/g, ' ')).toBe(`watch: ${entry.watch}`);
    for (const line of lines.slice(2)) expect(line.length).toBeLessThanOrEqual(100);
  });
});

describe('verdict', () => {
  it('passes only when there are checks and all hold', () => {
    expect(passed([])).toBe(false);
    expect(passed([check('a', true, 'x')])).toBe(true);
    expect(passed([check('a', true, 'x'), check('b', false, 'y')])).toBe(false);
  });

  it('prints one line per check and the verdict', () => {
    expect(
      verdictLines('idempotence', [check('a', true, 'x'), check('b', false, 'y')], 12.34),
    ).toEqual(['  ok    a: x', '  FAIL  b: y', 'demo idempotence: FAILED in 12.3 s']);
    expect(verdictLines('decoupling', [], 1)).toEqual([
      '  FAIL  the demo stopped before it could check anything',
      'demo decoupling: FAILED in 1.0 s',
    ]);
  });
});

describe('wrap', () => {
  it('wraps at the width, prefixes included, keeping every word', () => {
    const lines = wrap('one two three four five six', 12, '> ', '    ');
    expect(lines).toEqual(['> one two', '    three', '    four', '    five six']);
  });

  it('keeps a word longer than the width on a line of its own', () => {
    expect(wrap('a incomprehensibilities b', 8, '', '')).toEqual([
      'a',
      'incomprehensibilities',
      'b',
    ]);
  });
});

describe('since', () => {
  it('prints whole seconds, aligned', () => {
    expect(since(1_000, 5_400)).toBe('  4 s');
    expect(since(0, 123_000)).toBe('123 s');
  });
});

describe('pause', () => {
  it('ends early when aborted', async () => {
    const stop = new AbortController();
    const started = Date.now();
    const waiting = pause(10_000, stop.signal);
    stop.abort();
    await waiting;
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
