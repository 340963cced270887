/** The verifier's judgement: one result per rule, each naming what breaks it. */

export const RULE_IDS = [
  'quiet',
  'no-oversell',
  'per-user-limit',
  'orders-terminal',
  'effects-match-status',
  'no-duplicate-effect',
  'stock-conserved',
  'stock-agrees',
  'outbox-published',
  'dead-letters',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

/** WARN: reported, does not fail the run (only the dead-letter rule uses it; see its comment). */
export type Verdict = 'PASS' | 'WARN' | 'FAIL';

export interface Violation {
  /** What breaks the rule, e.g. `order 4f0c…` or `sale 9a1e…`: an id to look up. */
  readonly subject: string;
  readonly message: string;
}

export interface RuleResult {
  readonly rule: RuleId;
  readonly verdict: Verdict;
  /** One line: what was checked and what was found. */
  readonly detail: string;
  /** Every violation (a WARN's findings too); the renderers cap the list they print. */
  readonly violations: readonly Violation[];
}

/** PASS with no findings, FAIL with some. */
export function judged(rule: RuleId, detail: string, violations: readonly Violation[]): RuleResult {
  return { rule, verdict: violations.length === 0 ? 'PASS' : 'FAIL', detail, violations };
}

/** Exit code 0 only when no rule failed (a WARN is not a failure). */
export function holds(results: readonly RuleResult[]): boolean {
  return results.every((r) => r.verdict !== 'FAIL');
}
