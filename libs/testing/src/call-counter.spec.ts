import { countingCalls } from './call-counter';

describe('countingCalls', () => {
  it('counts the reads of the named properties only, and leaves the target working', async () => {
    const db = {
      rows: 2,
      $queryRaw: async (n: number) => n * 2,
      $transaction: async () => 'tx',
    };
    const { proxy, calls } = countingCalls(db, ['$queryRaw']);
    await expect(proxy.$queryRaw(21)).resolves.toBe(42);
    await proxy.$queryRaw(1);
    await proxy.$transaction();
    expect(proxy.rows).toBe(2);
    expect(calls()).toBe(2);
  });
});
