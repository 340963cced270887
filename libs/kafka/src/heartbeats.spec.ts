import { withHeartbeats } from './heartbeats';

describe('withHeartbeats', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** Work that ends when the test says so, as a slow handler would. */
  function slowWork<T>(value: T): { promise: Promise<T>; finish: () => void } {
    let finish = (): void => undefined;
    const promise = new Promise<T>((resolve) => {
      finish = () => resolve(value);
    });
    return { promise, finish };
  }

  it('heartbeats every interval while the work runs, and stops when it ends', async () => {
    const heartbeat = jest.fn(async () => undefined);
    const work = slowWork('done');
    const result = withHeartbeats(heartbeat, 3_000, () => work.promise, jest.fn());

    await jest.advanceTimersByTimeAsync(2_999);
    expect(heartbeat).not.toHaveBeenCalled();
    // Longer than a 10 s session: a member that heartbeats only between chunks would be evicted.
    await jest.advanceTimersByTimeAsync(12_001);
    expect(heartbeat).toHaveBeenCalledTimes(5);

    work.finish();
    await expect(result).resolves.toBe('done');
    await jest.advanceTimersByTimeAsync(30_000);
    expect(heartbeat).toHaveBeenCalledTimes(5);
  });

  it('reports a failed heartbeat without failing the work, and keeps trying', async () => {
    const rebalancing = new Error('The group is rebalancing');
    const heartbeat = jest
      .fn<Promise<void>, []>()
      .mockRejectedValueOnce(rebalancing)
      .mockResolvedValue(undefined);
    const onError = jest.fn();
    const work = slowWork(42);
    const result = withHeartbeats(heartbeat, 1_000, () => work.promise, onError);

    await jest.advanceTimersByTimeAsync(2_000);
    work.finish();
    await expect(result).resolves.toBe(42);
    expect(onError).toHaveBeenCalledWith(rebalancing);
    expect(heartbeat).toHaveBeenCalledTimes(2);
  });

  it('stops heartbeating when the work fails, and passes the failure on', async () => {
    const heartbeat = jest.fn(async () => undefined);
    const failure = new Error('handler failed');
    const result = withHeartbeats(heartbeat, 1_000, () => Promise.reject(failure), jest.fn());
    await expect(result).rejects.toBe(failure);
    await jest.advanceTimersByTimeAsync(5_000);
    expect(heartbeat).not.toHaveBeenCalled();
  });
});
