import type { PhaseResult } from '../driver';
import { Recorder } from '../stats';
import { acceptedSteps, acceptedTotal } from './accepted';

describe('acceptedSteps', () => {
  it('is one unpaced phase per connection step', () => {
    expect(acceptedSteps({ acceptedSteps: [1, 4], stepSec: 10 })).toEqual([
      { name: 'accepted c=1', connections: 1, rate: 0, durationSec: 10 },
      { name: 'accepted c=4', connections: 4, rate: 0, durationSec: 10 },
    ]);
  });
});

describe('acceptedTotal', () => {
  it('adds up the 202s of the steps, nothing else', () => {
    const step = (accepted: number, limited: number) => {
      const recorder = new Recorder();
      for (let i = 0; i < accepted; i++) recorder.record('accepted', 1);
      for (let i = 0; i < limited; i++) recorder.record('limitReached', 1);
      const result: PhaseResult = {
        phase: { name: 's', connections: 1, rate: 0, durationSec: 1 },
        recorder,
        elapsedSec: 1,
        sent: accepted + limited,
      };
      return { result, cpu: '-', cpuUs: 0, disturbed: null };
    };
    expect(acceptedTotal([step(3, 1), step(5, 2)])).toBe(8);
    expect(acceptedTotal([])).toBe(0);
  });
});
