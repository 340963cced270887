import { behindLine, fetchTopicOffsets, groupPosition } from './group-lag';

describe('groupPosition', () => {
  it('sums lag and position over committed topics; uncommitted partitions count from their start', () => {
    const ends = new Map([
      [
        'order.created',
        new Map([
          [0, { low: 0n, high: 10n }],
          [1, { low: 3n, high: 7n }],
          [2, { low: 0n, high: 4n }],
        ]),
      ],
      ['payment.succeeded', new Map([[0, { low: 0n, high: 10n }]])],
      ['shipment.created', new Map([[0, { low: 0n, high: 10n }]])],
    ]);
    const commits = new Map([
      // partition 1 never committed (-1), partition 2 absent: both read from their log start.
      [
        'order.created',
        new Map([
          [0, 5n],
          [1, -1n],
        ]),
      ],
      // A commit past the end (the end was read a moment earlier) is clamped to it.
      ['payment.succeeded', new Map([[0, 12n]])],
    ]);
    // Not committed on: shipment.created is not one of this group's topics.
    expect(groupPosition(commits, ends)).toEqual({ lag: 5 + 4 + 4 + 0, read: 5 + 3 + 0 + 10 });
  });
});

describe('behindLine', () => {
  it('names only the groups still behind, without the -service suffix', () => {
    expect(
      behindLine({
        'inventory-service': { lag: 120, read: 5 },
        'payment-service': { lag: 0, read: 9 },
        'order-service': { lag: 4, read: 1 },
      }),
    ).toBe('inventory 120, order 4');
  });

  it('is empty when every group is caught up', () => {
    expect(behindLine({ 'payment-service': { lag: 0, read: 3 } })).toBe('');
  });
});

describe('fetchTopicOffsets', () => {
  const offsets = [{ partition: 0, offset: '7', high: '7', low: '0' }];
  const noLeader = new TypeError("Cannot destructure property 'partitions' of 'high.pop(...)'");

  it('tries again while a partition has no leader, and returns the read that worked', async () => {
    const read = jest
      .fn()
      .mockRejectedValueOnce(noLeader)
      .mockRejectedValueOnce(noLeader)
      .mockResolvedValue(offsets);
    const pauses: number[] = [];
    const answer = await fetchTopicOffsets({ fetchTopicOffsets: read }, 't', async (ms) => {
      pauses.push(ms);
    });
    expect(answer).toBe(offsets);
    expect(read).toHaveBeenCalledTimes(3);
    expect(pauses).toEqual([500, 500]);
  });

  it('gives up after 5 reads with the last failure', async () => {
    const read = jest.fn().mockRejectedValue(noLeader);
    await expect(
      fetchTopicOffsets({ fetchTopicOffsets: read }, 't', async () => undefined),
    ).rejects.toBe(noLeader);
    expect(read).toHaveBeenCalledTimes(5);
  });
});
