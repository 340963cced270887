import { EventLoopLag } from './event-loop-lag';

describe('EventLoopLag', () => {
  it('measures how late each tick fires, and recovers once the loop is on time', () => {
    let now = 1_000;
    const lag = new EventLoopLag(20, () => now, false);
    expect(lag.currentMs).toBe(0);
    now += 20;
    lag.sample();
    expect(lag.currentMs).toBe(0);
    now += 20 + 350; // the loop was busy for 350 ms
    lag.sample();
    expect(lag.currentMs).toBe(350);
    now += 20;
    lag.sample();
    expect(lag.currentMs).toBe(0);
  });

  it('never reports a negative lag for an early tick', () => {
    let now = 0;
    const lag = new EventLoopLag(20, () => now, false);
    now += 5;
    lag.sample();
    expect(lag.currentMs).toBe(0);
  });
});
