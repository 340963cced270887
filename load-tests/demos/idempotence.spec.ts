import {
  type InventoryCounts,
  countChanges,
  countsLine,
  findings,
  newFindings,
  replayedBy,
} from './idempotence';

type Report = Parameters<typeof findings>[0];

function report(failing: Record<string, string[]>): Report {
  return {
    ok: Object.keys(failing).length === 0,
    checkedAt: '2026-12-07T00:00:00Z',
    saleId: null,
    sales: 3,
    orders: 10,
    results: Object.entries(failing).map(([rule, subjects]) => ({
      rule: rule as Report['results'][number]['rule'],
      verdict: 'FAIL' as const,
      detail: '',
      violations: subjects.map((subject) => ({ subject, message: 'broken' })),
    })),
  };
}

describe('newFindings', () => {
  it('is empty when the verifier finds the same things before and after', () => {
    const before = report({ 'stock-agrees': ['sale a'] });
    expect(newFindings(before, report({ 'stock-agrees': ['sale a'] }))).toEqual([]);
    expect(newFindings(report({}), report({}))).toEqual([]);
  });

  it('names what only the report after the replay finds', () => {
    const before = report({ 'stock-agrees': ['sale a'] });
    const after = report({ 'stock-agrees': ['sale a'], 'no-duplicate-effect': ['order 7'] });
    expect(newFindings(before, after)).toEqual(['no-duplicate-effect: order 7: broken']);
    expect(findings(after)).toHaveLength(2);
  });
});

const counts: InventoryCounts = {
  reservations: 1_000,
  reservedUnits: 1_000,
  releasedUnits: 50,
  stockLog: 1_050,
  inbox: 1_100,
};

describe('countChanges', () => {
  it('is empty when a replay changed nothing', () => {
    expect(countChanges(counts, { ...counts })).toEqual([]);
  });

  it('names every count a replay changed', () => {
    expect(countChanges(counts, { ...counts, reservations: 1_002, inbox: 1_101 })).toEqual([
      'reservations 1,000 → 1,002',
      'inbox 1,100 → 1,101',
    ]);
  });
});

describe('countsLine', () => {
  it('reads as a sentence', () => {
    expect(countsLine(counts)).toBe(
      '1,000 reservations, 1,000 units reserved and 50 released, 1,050 stock-log rows, 1,100 inbox rows',
    );
  });
});

describe('replayedBy', () => {
  const ends = new Map([
    [
      'order.created',
      new Map([
        [0, { low: 0n, high: 10n }],
        [1, { low: 5n, high: 8n }],
        [2, { low: 0n, high: 4n }],
      ]),
    ],
  ]);

  it('counts from each log start up to the commit', () => {
    const commits = new Map([
      [
        'order.created',
        new Map([
          [0, 10n],
          [1, 8n],
          [2, 2n],
        ]),
      ],
    ]);
    expect(replayedBy(commits, ends, 'order.created')).toBe(10 + 3 + 2);
  });

  it('counts nothing for a partition never committed or committed before the log start', () => {
    const commits = new Map([['order.created', new Map([[1, 2n]])]]);
    expect(replayedBy(commits, ends, 'order.created')).toBe(0);
  });
});
