import { Coalescer } from './coalescer';

/** A run that records its inputs and answers when told to. */
function controlledRun() {
  const runs: number[][] = [];
  const release: Array<() => void> = [];
  const run = (inputs: readonly number[]): Promise<number[]> => {
    runs.push([...inputs]);
    return new Promise((resolve) => release.push(() => resolve(inputs.map((n) => n * 10))));
  };
  return { run, runs, release };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Coalescer', () => {
  it('runs what is added in the same turn together, and gives each caller its own result', async () => {
    const { run, runs, release } = controlledRun();
    const coalescer = new Coalescer(run, { maxWeight: 10 });
    const answers = Promise.all([coalescer.add(1), coalescer.add(2), coalescer.add(3)]);
    await turn();
    expect(runs).toEqual([[1, 2, 3]]);
    release[0]?.();
    await expect(answers).resolves.toEqual([10, 20, 30]);
  });

  it('keeps one run in flight: what arrives meanwhile runs next, together', async () => {
    const { run, runs, release } = controlledRun();
    const coalescer = new Coalescer(run, { maxWeight: 10 });
    const first = coalescer.add(1);
    await turn();
    const later = Promise.all([coalescer.add(2), coalescer.add(3)]);
    await turn();
    expect(runs).toEqual([[1]]);
    release[0]?.();
    await expect(first).resolves.toBe(10);
    await turn();
    expect(runs).toEqual([[1], [2, 3]]);
    release[1]?.();
    await expect(later).resolves.toEqual([20, 30]);
  });

  it('splits by weight, oldest first, and runs an input heavier than the limit alone', async () => {
    const runs: number[][] = [];
    const coalescer = new Coalescer(
      (inputs: readonly number[]) => {
        runs.push([...inputs]);
        return Promise.resolve(inputs.map(() => 'ok'));
      },
      { maxWeight: 5, weight: (n) => n },
    );
    await Promise.all([2, 3, 1, 9, 4].map((n) => coalescer.add(n)));
    expect(runs).toEqual([[2, 3], [1], [9], [4]]);
  });

  it("gives every caller of a failed run the run's error, and goes on with the next", async () => {
    let calls = 0;
    const coalescer = new Coalescer(
      (inputs: readonly number[]) => {
        calls += 1;
        return calls === 1
          ? Promise.reject(new Error('database down'))
          : Promise.resolve(inputs.map((n) => n));
      },
      { maxWeight: 10 },
    );
    const failed = [coalescer.add(1), coalescer.add(2)];
    await expect(failed[0]).rejects.toThrow('database down');
    await expect(failed[1]).rejects.toThrow('database down');
    await expect(coalescer.add(3)).resolves.toBe(3);
  });

  it('refuses a run that does not answer every input', async () => {
    const coalescer = new Coalescer(() => Promise.resolve([1]), { maxWeight: 10 });
    const answers = [coalescer.add(1), coalescer.add(2)];
    await expect(answers[0]).rejects.toThrow('run returned 1 results for 2 inputs');
    await expect(answers[1]).rejects.toThrow('run returned 1 results for 2 inputs');
  });
});
