import { HotPathActivity } from './hot-path-activity';

describe('HotPathActivity', () => {
  it('is busy while work is in flight and for quietMs after the last one ended', async () => {
    let now = 1_000;
    const activity = new HotPathActivity(250, () => now);
    expect(activity.busy).toBe(false);
    let finish: () => void = () => undefined;
    const work = activity.track(() => new Promise<void>((resolve) => (finish = resolve)));
    now += 10_000;
    expect(activity.busy).toBe(true); // in flight, however long ago it started
    finish();
    await work;
    now += 249;
    expect(activity.busy).toBe(true);
    now += 1;
    expect(activity.busy).toBe(false);
  });

  it('counts failed work as ended too', async () => {
    let now = 0;
    const activity = new HotPathActivity(100, () => now);
    await expect(activity.track(() => Promise.reject(new Error('no')))).rejects.toThrow('no');
    now = 100;
    expect(activity.busy).toBe(false);
  });
});
