import { WaitTimeoutError, formatElapsed, step, waitUntil, withHeartbeat } from './progress';

describe('formatElapsed', () => {
  it('shows seconds with one decimal under a minute, then minutes and seconds', () => {
    expect(formatElapsed(0)).toBe('0.0s');
    expect(formatElapsed(2_345)).toBe('2.3s');
    expect(formatElapsed(61_000)).toBe('1m01s');
    expect(formatElapsed(125_900)).toBe('2m05s');
  });
});

describe('withHeartbeat', () => {
  it('prints elapsed time periodically while the work is pending, and stops afterwards', async () => {
    const lines: string[] = [];
    const work = new Promise<string>((resolve) => setTimeout(() => resolve('done'), 130));
    const result = await withHeartbeat(
      (l) => lines.push(l),
      'slow thing',
      work,
      () => 'detail',
      {
        firstAfterMs: 20,
        everyMs: 30,
      },
    );
    expect(result).toBe('done');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines[0]).toMatch(/slow thing: \d+\.\ds elapsed \(detail\)/);
    const count = lines.length;
    await new Promise((r) => setTimeout(r, 80));
    expect(lines.length).toBe(count);
  });

  it('is silent for quick work', async () => {
    const lines: string[] = [];
    await withHeartbeat((l) => lines.push(l), 'quick', Promise.resolve(1));
    expect(lines).toEqual([]);
  });
});

describe('waitUntil', () => {
  it('polls until the probe is ready and returns its value', async () => {
    let calls = 0;
    const value = await waitUntil(
      () => undefined,
      'thing',
      async () => {
        calls += 1;
        return calls >= 3 ? { ready: true, value: 42 } : { ready: false, detail: `try ${calls}` };
      },
      { timeoutMs: 5_000, intervalMs: 5 },
    );
    expect(value).toBe(42);
    expect(calls).toBe(3);
  });

  it('treats a throwing probe as not ready and times out with the last detail', async () => {
    const err = await waitUntil(
      () => undefined,
      'the broker',
      async () => {
        throw new Error('ECONNREFUSED');
      },
      { timeoutMs: 50, intervalMs: 5 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect((err as Error).message).toMatch(/waiting for the broker \(last: ECONNREFUSED\)/);
  });

  it('aborts at once when abortIf reports a reason', async () => {
    await expect(
      waitUntil(
        () => undefined,
        'postgres',
        async () => ({ ready: false }),
        {
          timeoutMs: 10_000,
          abortIf: () => 'process exited',
        },
      ),
    ).rejects.toThrow('postgres: process exited');
  });
});

describe('step', () => {
  it('announces the step and its outcome', async () => {
    const lines: string[] = [];
    await step(
      (l) => lines.push(l),
      'redis: start',
      async () => 1,
    );
    expect(lines[0]).toBe('redis: start ...');
    expect(lines[1]).toMatch(/^redis: start: done in \d+\.\ds$/);
    await expect(
      step(
        (l) => lines.push(l),
        'kafka: start',
        async () => {
          throw new Error('boom');
        },
      ),
    ).rejects.toThrow('boom');
    expect(lines[lines.length - 1]).toMatch(/^kafka: start: FAILED after/);
  });
});
