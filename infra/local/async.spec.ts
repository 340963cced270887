import { errorText, repeatEvery, withTimeout } from './async';

describe('withTimeout', () => {
  it('passes a settled value through, and rejects what does not settle in time', async () => {
    await expect(withTimeout(Promise.resolve(7), 1_000)).resolves.toBe(7);
    await expect(withTimeout(new Promise(() => undefined), 1)).rejects.toThrow(
      'no answer within 1 ms',
    );
  });
});

describe('errorText', () => {
  it("is an error's message, or the thrown value as text", () => {
    expect(errorText(new Error('down'))).toBe('down');
    expect(errorText('plain')).toBe('plain');
  });
});

describe('repeatEvery', () => {
  it('runs the step at once and until stopped, and stop waits for the step in hand', async () => {
    let runs = 0;
    let release: () => void = () => undefined;
    const loop = repeatEvery(60_000, async () => {
      runs++;
      await new Promise<void>((resolve) => (release = resolve));
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs).toBe(1);
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false); // the step in hand is not done yet
    release();
    await stopping;
    // Stopped in the middle of its minute-long pause, and no second run.
    expect(runs).toBe(1);
  });
});
