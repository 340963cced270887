/** Every invariant of the brief, judged on one snapshot, in the order the report lists them. */
import { deadLetters, outboxPublished } from './rules-backlog';
import { effectsMatchStatus, noDuplicateEffect, ordersTerminal } from './rules-orders';
import { noOversell, perUserLimit, stockAgrees, stockConserved } from './rules-stock';
import type { VerifySnapshot } from './snapshot';
import type { RuleResult } from './verdict';

export function checkInvariants(snapshot: VerifySnapshot): RuleResult[] {
  const results = [
    noOversell(snapshot),
    perUserLimit(snapshot),
    ordersTerminal(snapshot),
    effectsMatchStatus(snapshot),
    noDuplicateEffect(snapshot),
    stockConserved(snapshot),
    stockAgrees(snapshot),
    outboxPublished(snapshot),
  ];
  // Last: a dead letter is judged by whether another rule's failing order still needs it.
  return [...results, deadLetters(snapshot, results)];
}
