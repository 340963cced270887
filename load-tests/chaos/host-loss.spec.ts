import type { VerifyReport } from '../engine/infra';
import type { AmbiguitySummary } from '../engine/ambiguity';
import { type CheckInput, ordersReadable, stockConserved } from '../engine/checks';
import { VERIFIER_CHECK } from '../engine/run';
import type { KnownOrder, OrderState, Settled } from '../engine/settle';
import {
  type Findings,
  type HostLossFacts,
  READABLE_CHECK,
  STOCK_CHECK,
  compareSets,
  findingsOf,
  judgeHostLoss,
  lostWrites,
  ordersNamedByVerifier,
} from './host-loss';

const cut = { file: 'appendonly.aof.11.incr.aof', keptBytes: 1000, cutBytes: 250, lostForMs: 1000 };

/** a and b reached Kafka, c never left the lost outbox entry; r's restock was lost. */
const facts: HostLossFacts = {
  cut,
  lost: { admissions: ['a', 'b', 'c'], restocks: ['r'] },
  inKafka: new Set(['a', 'b', 'x', 'y']),
};

/** What the run's judges find when they see exactly that loss. */
const exactFindings: Findings = {
  verifierNamed: new Set(['a', 'b', 'r']),
  unreadable: new Set(['c']),
  toldAccepted: new Set(['a', 'b', 'c', 'r', 'x', 'y']),
  failedRules: ['no-duplicate-effect', 'stock-conserved', 'stock-agrees'],
  failedChecks: [STOCK_CHECK, READABLE_CHECK, VERIFIER_CHECK],
  failedThresholds: [],
};

describe('lostWrites', () => {
  it('is what Redis held before the kill and not after the restart', () => {
    expect(
      lostWrites(
        { admitted: ['o3', 'o1', 'o2', 'o4'], restocked: ['o1', 'o2'] },
        // o5 was admitted after the restart: not lost, not counted.
        { admitted: ['o1', 'o2', 'o5'], restocked: ['o1'] },
      ),
    ).toEqual({ admissions: ['o3', 'o4'], restocks: ['o2'] });
  });

  it('is nothing when Redis came back whole (a killed process, not a lost host)', () => {
    const same = { admitted: ['o1'], restocked: [] };
    expect(lostWrites(same, same)).toEqual({ admissions: [], restocks: [] });
  });
});

describe('ordersNamedByVerifier', () => {
  it("takes the order ids of failing rules' violations, not sales or users, not WARNs", () => {
    const report: VerifyReport = {
      ok: false,
      checkedAt: '2026-12-07T12:00:00Z',
      saleId: 's',
      sales: 1,
      orders: 3,
      results: [
        {
          rule: 'no-duplicate-effect',
          verdict: 'FAIL',
          detail: '',
          violations: [
            { subject: 'order a', message: 'in orders but never admitted in Redis' },
            { subject: 'sale s', message: 'Redis has 1 unit left, inventory 0 (+1)' },
            { subject: 'sale s user u1', message: '2 units held' },
          ],
        },
        {
          rule: 'dead-letters',
          verdict: 'WARN',
          detail: '',
          violations: [{ subject: 'order w', message: 'open dead letter' }],
        },
      ],
    };
    expect([...ordersNamedByVerifier(report)]).toEqual(['a']);
  });
});

describe('findingsOf', () => {
  const known = (orderId: string): KnownOrder => ({
    orderId,
    user: 0,
    token: 't',
    index: 0,
    answeredAtMs: 0,
    via: 'load',
  });
  const shipped: OrderState = { saleId: 's', quantity: 1, status: 'SHIPPED', history: [] };

  it('counts as unreadable every 202 the settle wait could not read back', () => {
    const settled: Settled = {
      orders: new Map([['a', shipped]]),
      problems: ['c: HTTP 404 {"code":"ORDER_NOT_FOUND"}'],
      remaining: 10,
      saleStatus: 'OPEN',
      inFlight: 1,
      kept: 1,
      released: 0,
      settled: false,
      waitedSec: 0,
    };
    const findings = findingsOf({
      orders: [known('a'), known('c')],
      settled,
      checks: [{ name: READABLE_CHECK, ok: false, detail: '' }],
      thresholds: [],
      verified: null,
    });
    expect([...findings.unreadable]).toEqual(['c']);
    expect(findings.failedChecks).toEqual([READABLE_CHECK]);
    expect(findings.failedRules).toEqual([]);
  });
});

describe('judgeHostLoss', () => {
  it('passes when the verifier and the checks name exactly the lost writes', () => {
    const j = judgeHostLoss(facts, exactFindings);
    expect(j.ok).toBe(true);
    expect(j.lines[1]).toBe(
      'host loss simulated: 3 admissions lost (2 reached Kafka, 1 did not), 1 restocks lost',
    );
    expect(j.lines.join('\n')).toMatch(/the verifier named 3 orders; expected 3 .*: exactly those/);
    expect(j.lines.join('\n')).toMatch(
      /1 accepted orders unreadable; expected 1 .*: exactly those/,
    );
    expect(j.lines[j.lines.length - 1]).toMatch(/exactly the lost writes/);
  });

  it('counts once an order whose admission and restock were both lost', () => {
    const j = judgeHostLoss(
      { ...facts, lost: { admissions: ['a', 'b', 'c'], restocks: ['a', 'r'] } },
      exactFindings,
    );
    expect(j.ok).toBe(true);
    expect(j.lines.join('\n')).toMatch(/expected 3 \(.*, 1 orders in both\): exactly those/);
  });

  it('fails when the verifier misses a lost admission that reached Kafka', () => {
    const j = judgeHostLoss(facts, { ...exactFindings, verifierNamed: new Set(['a', 'r']) });
    expect(j.ok).toBe(false);
    expect(j.lines.join('\n')).toMatch(/lost, not named: 1 \(b\)/);
    expect(j.record).toMatchObject({ hostLoss: { lostNotNamedByVerifier: ['b'] } });
  });

  it('fails when the verifier names an order that was not lost', () => {
    const j = judgeHostLoss(facts, {
      ...exactFindings,
      verifierNamed: new Set(['a', 'b', 'r', 'z']),
    });
    expect(j.ok).toBe(false);
    expect(j.lines.join('\n')).toMatch(/named, not lost: 1 \(z\)/);
  });

  it('fails when the checks find an unreadable order the loss does not explain', () => {
    const j = judgeHostLoss(facts, { ...exactFindings, unreadable: new Set(['c', 'x']) });
    expect(j.ok).toBe(false);
    expect(j.lines.join('\n')).toMatch(/unreadable, not lost: 1 \(x\)/);
  });

  it('fails when something else broke too, even with the right orders named', () => {
    const j = judgeHostLoss(facts, {
      ...exactFindings,
      failedRules: [...exactFindings.failedRules, 'orders-terminal'],
      failedThresholds: ['ambiguous answers'],
    });
    expect(j.ok).toBe(false);
    expect(j.lines.join('\n')).toMatch(
      /not explained by the loss: rule orders-terminal; threshold ambiguous answers/,
    );
  });

  it('expects nothing from the checks for a lost order no buyer heard 202 for', () => {
    const j = judgeHostLoss(facts, {
      ...exactFindings,
      unreadable: new Set(),
      toldAccepted: new Set(['a', 'b', 'r']),
      failedChecks: [STOCK_CHECK, VERIFIER_CHECK],
    });
    expect(j.ok).toBe(true);
    expect(j.lines[1]).toMatch(/1 did not, 1 of which no buyer heard 202 for/);
  });

  it('lets only what a loss explains fail: a restock alone breaks no duplicate-effect rule', () => {
    const restockOnly: HostLossFacts = { ...facts, lost: { admissions: [], restocks: ['r'] } };
    const findings: Findings = {
      ...exactFindings,
      verifierNamed: new Set(['r']),
      unreadable: new Set(),
      failedRules: ['stock-agrees', 'no-duplicate-effect'],
      failedChecks: [VERIFIER_CHECK],
    };
    const j = judgeHostLoss(restockOnly, findings);
    expect(j.ok).toBe(false);
    expect(j.lines.join('\n')).toMatch(/not explained by the loss: rule no-duplicate-effect/);
    expect(judgeHostLoss(restockOnly, { ...findings, failedRules: ['stock-agrees'] }).ok).toBe(
      true,
    );
  });

  it('passes a run that lost nothing and found nothing', () => {
    const j = judgeHostLoss(
      { ...facts, lost: { admissions: [], restocks: [] } },
      {
        ...exactFindings,
        verifierNamed: new Set(),
        unreadable: new Set(),
        failedRules: [],
        failedChecks: [],
      },
    );
    expect(j.ok).toBe(true);
    expect(j.lines).toContain('  nothing failed');
  });
});

describe('compareSets', () => {
  it('gives both differences, sorted', () => {
    expect(compareSets(new Set(['b', 'a', 'z']), new Set(['a', 'c', 'b']))).toEqual({
      notLost: ['z'],
      notNamed: ['c'],
    });
  });
});

describe('the check names the judgement expects to fail', () => {
  it("are the load engine's own", () => {
    const ambiguity: AmbiguitySummary = {
      plan: { unsettled: 0, unsettledReplayed: 0, refusals: 0, refusalsReplayed: 0 },
      byClass: {
        ambiguous: 0,
        uncertainSettled: 0,
        replayBought: 0,
        refused: 0,
        refusedSoldOut: 0,
        inconclusive: 0,
      },
      byOriginal: {},
      ambiguous: 0,
      examples: [],
    };
    const input: CheckInput = {
      sale: { id: 's', stock: 1, perUserLimit: 1 },
      orders: [],
      malformed202: 0,
      settled: {
        orders: new Map(),
        problems: [],
        remaining: 1,
        saleStatus: 'OPEN',
        inFlight: 0,
        kept: 0,
        released: 0,
        settled: true,
        waitedSec: 0,
      },
      ambiguity,
    };
    expect(stockConserved(input).name).toBe(STOCK_CHECK);
    expect(ordersReadable(input).name).toBe(READABLE_CHECK);
  });
});
