import { JSON_VIOLATIONS, renderReport, reportJson, TABLE_VIOLATIONS } from './render';
import { checkInvariants } from './rules';
import { healthySnapshot, withRedis } from './testing/healthy-snapshot';
import type { RuleResult } from './verdict';
import { RULE_IDS } from './verdict';
import type { VerifyReport } from './verify';

const quiet: RuleResult = {
  rule: 'quiet',
  verdict: 'PASS',
  detail: 'quiet after 0.5 s',
  violations: [],
};

function report(results: readonly RuleResult[]): VerifyReport {
  return {
    ok: results.every((r) => r.verdict !== 'FAIL'),
    checkedAt: '2026-12-07T10:00:00.000Z',
    saleId: null,
    sales: 1,
    orders: 4,
    results,
  };
}

describe('checkInvariants', () => {
  it('judges every rule, in the report order, and all pass on a healthy shop', () => {
    const results = [quiet, ...checkInvariants(healthySnapshot())];
    expect(results.map((r) => r.rule)).toEqual(RULE_IDS);
    expect(results.filter((r) => r.verdict !== 'PASS')).toEqual([]);
  });
});

describe('renderReport', () => {
  it('prints one row per rule and a verdict line', () => {
    const text = renderReport(report([quiet, ...checkInvariants(healthySnapshot())]));
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^RULE +VERDICT +DETAIL$/);
    expect(lines[1]).toMatch(/^quiet +PASS +quiet after 0.5 s$/);
    expect(lines).toHaveLength(1 + RULE_IDS.length + 2);
    expect(lines.at(-1)).toBe('verify: every invariant holds (1 sale(s), 4 orders)');
  });

  it('lists what breaks a rule, capped, and names the broken rules', () => {
    const healthy = healthySnapshot();
    const lost = Array.from({ length: 12 }, (_, i) => ({
      orderId: `order-lost-${i}`,
      userId: `u${i}`,
      quantity: 1,
    }));
    const broken = withRedis(healthy, { admitted: [...healthy.redis[0]!.admitted, ...lost] });
    const text = renderReport(report([quiet, ...checkInvariants(broken)]));
    expect(text).toContain('orders-terminal FAIL, 12 finding(s):\n  order order-lost-0: accepted');
    expect(text).toContain(
      `  … and ${12 - TABLE_VIOLATIONS} more (--json lists up to ${JSON_VIOLATIONS})`,
    );
    expect(text.split('\n').at(-1)).toBe(
      'verify: 4 rule(s) broken: no-oversell, orders-terminal, stock-conserved, stock-agrees (1 sale(s), 4 orders)',
    );
  });
});

describe('reportJson', () => {
  it('carries every rule with its verdict, its violations and their full count', () => {
    const failing: RuleResult = {
      rule: 'no-oversell',
      verdict: 'FAIL',
      detail: 'd',
      violations: Array.from({ length: JSON_VIOLATIONS + 5 }, (_, i) => ({
        subject: `sale s${i}`,
        message: 'oversold',
      })),
    };
    const parsed = JSON.parse(reportJson(report([quiet, failing]))) as {
      ok: boolean;
      results: { rule: string; violationCount: number; violations: unknown[] }[];
    };
    expect(parsed.ok).toBe(false);
    expect(parsed.results[1]).toMatchObject({
      rule: 'no-oversell',
      violationCount: JSON_VIOLATIONS + 5,
    });
    expect(parsed.results[1]?.violations).toHaveLength(JSON_VIOLATIONS);
  });
});
