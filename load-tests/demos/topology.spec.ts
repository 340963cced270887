import { lagLine, lagPeaks, type TopologySnapshot, tickLines, topologyRows } from './topology';

const snapshot = (
  atMs: number,
  topics: Record<string, number>,
  groups: Record<string, { lag: number; read: number; topics: string[] }>,
): TopologySnapshot => ({
  atMs,
  topics: new Map(Object.entries(topics)),
  groups: new Map(Object.entries(groups)),
});

const first = snapshot(
  0,
  { 'order.created': 100, 'inventory.reserved': 90, 'seckill.dead-letter': 0 },
  {
    'inventory-service': { lag: 0, read: 100, topics: ['order.created'] },
    'order-service': { lag: 0, read: 90, topics: ['inventory.reserved'] },
  },
);

describe('topologyRows', () => {
  it('names each topic, its messages and the groups reading it', () => {
    expect(topologyRows(first)).toEqual([
      ['order.created', '100', 'inventory'],
      ['inventory.reserved', '90', 'order'],
      ['seckill.dead-letter', '0', '-'],
    ]);
  });
});

describe('tickLines', () => {
  it('prints what was published and handled since the first snapshot, with the lag now', () => {
    const now = snapshot(
      4_200,
      { 'order.created': 1_340, 'inventory.reserved': 95, 'seckill.dead-letter': 0 },
      {
        'inventory-service': { lag: 3, read: 1_337, topics: ['order.created'] },
        'order-service': { lag: 0, read: 95, topics: ['inventory.reserved'] },
      },
    );
    expect(tickLines(first, now)).toEqual([
      '  4 s  published: order.created +1,240 · inventory.reserved +5',
      '        consumed: inventory +1,237 (lag 3) · order +5 (lag 0)',
    ]);
  });

  it('says when nothing new was published', () => {
    expect(tickLines(first, { ...first, atMs: 2_000 })[0]).toBe(
      '  2 s  published: nothing new yet',
    );
  });
});

describe('lag', () => {
  it('prints each group by its short name', () => {
    expect(
      lagLine({ 'payment-service': { lag: 1_200, read: 5 }, 'order-service': { lag: 0, read: 1 } }),
    ).toBe('payment 1,200 · order 0');
  });

  it('keeps the highest lag seen per group', () => {
    const once = lagPeaks(new Map(), { a: { lag: 5, read: 0 }, b: { lag: 0, read: 0 } });
    const twice = lagPeaks(once, { a: { lag: 2, read: 0 }, b: { lag: 7, read: 0 } });
    expect([...twice]).toEqual([
      ['a', 5],
      ['b', 7],
    ]);
  });
});
