import type { Admin } from 'kafkajs';
import { fetchCommittedOffsets, hasRead } from './group-offsets';

describe('hasRead', () => {
  const committed = new Map([
    [0, 5n],
    [1, -1n],
  ]);

  it('is true for the events before the committed offset, false from it on', () => {
    expect(hasRead(committed, 0, 4n)).toBe(true);
    expect(hasRead(committed, 0, 5n)).toBe(false);
  });

  it('is false on a partition the group never committed on, or does not know', () => {
    expect(hasRead(committed, 1, 0n)).toBe(false);
    expect(hasRead(committed, 7, 0n)).toBe(false);
  });
});

describe('fetchCommittedOffsets', () => {
  it('maps the topic’s partitions to their committed offsets, as bigints', async () => {
    const admin = {
      fetchOffsets: async () => [
        {
          topic: 'inventory.reserved',
          partitions: [
            { partition: 0, offset: '12' },
            { partition: 1, offset: '-1' },
          ],
        },
      ],
    } as unknown as Admin;

    const offsets = await fetchCommittedOffsets(admin, 'payment-service', 'inventory.reserved');

    expect([...offsets]).toEqual([
      [0, 12n],
      [1, -1n],
    ]);
  });
});
