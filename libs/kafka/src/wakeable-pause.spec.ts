import { WakeablePause } from './wakeable-pause';

describe('WakeablePause', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('resolves after its time when nobody wakes it', async () => {
    const pause = new WakeablePause();
    let done = false;
    const waiting = pause.pause(1000).then(() => (done = true));
    await jest.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await waiting;
    expect(done).toBe(true);
  });

  it('ends early on wake()', async () => {
    const pause = new WakeablePause();
    let done = false;
    const waiting = pause.pause(60_000).then(() => (done = true));
    pause.wake();
    await waiting;
    expect(done).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('keeps a wake that came between two pauses for the next one, once', async () => {
    const pause = new WakeablePause();
    pause.wake();
    await pause.pause(60_000); // returns at once: the wake was kept
    let done = false;
    const waiting = pause.pause(1000).then(() => (done = true));
    await jest.advanceTimersByTimeAsync(500);
    expect(done).toBe(false); // consumed: this pause waits
    await jest.advanceTimersByTimeAsync(500);
    await waiting;
    expect(done).toBe(true);
  });
});
