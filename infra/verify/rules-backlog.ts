/**
 * The backlog rules, pure: every outbox entry published, and the dead-letter topic accounted for.
 */
import type { DeadLetterRow, VerifySnapshot } from './snapshot';
import { judged, type RuleResult, type Violation } from './verdict';
import { admittedIds, firstBy, groupBy, isTerminal } from './views';

/**
 * Every outbox entry published: the sales' Redis streams (the hot path's `order.created`, until
 * Kafka has it) and the five services' `outbox_events` (rows with `published_at` still null).
 * Once quiet, a relay that works has emptied them all; what is left was never sent.
 */
export function outboxPublished(snapshot: VerifySnapshot): RuleResult {
  const violations: Violation[] = snapshot.outboxes
    .filter((o) => o.unpublished > 0)
    .map((o) => ({
      subject: o.saleId === undefined ? o.outbox : `sale ${o.saleId}`,
      message: `${o.unpublished} entr${o.unpublished === 1 ? 'y' : 'ies'} not published in ${o.outbox}`,
    }));
  const streams = snapshot.outboxes.filter((o) => o.outbox.startsWith('redis ')).length;
  const tables = snapshot.outboxes.length - streams;
  const left = snapshot.outboxes.reduce((n, o) => n + o.unpublished, 0);
  return judged(
    'outbox-published',
    `${streams} Redis outbox stream(s), ${tables} Postgres outbox table(s): ${left} unpublished`,
    violations,
  );
}

/**
 * The dead-letter topic, accounted for. What "accounted for" means here:
 *
 * - every dead letter is listed (id, reason, original topic, consumer group, order);
 * - one that was re-driven (`npm run dlq -- redrive` left a marker) is settled;
 * - one still open FAILS the run when its order is accepted but not terminal, or is named by a
 *   failing rule: the event it holds is what that order is missing (the terminal rule fails too;
 *   this says why, and how to fix it);
 * - any other open one is a WARN: it is reported, and does not fail the run.
 *
 * Why not fail on every dead letter: the brief sends malformed and unprocessable events there on
 * purpose ("never blocks its partition"), so a poison event, or one about an order that is not
 * the shop's, is the mechanism working, not an invariant broken. Why not ignore them: a dead
 * letter an order still needs is a lost step, and an operator must see every one that is left.
 */
export function deadLetters(
  snapshot: VerifySnapshot,
  otherResults: readonly RuleResult[],
): RuleResult {
  const stuck = stuckOrders(snapshot, otherResults);
  const open = snapshot.deadLetters.filter((l) => !l.redriven);
  const needed = (l: DeadLetterRow) => l.orderId !== null && stuck.has(l.orderId);
  const failing = open.filter(needed);
  // The ones an order still needs first: the capped list must show them.
  const violations = [...failing, ...open.filter((l) => !needed(l))].map((l) => ({
    subject: `dead letter ${l.id}`,
    message: describe(l, needed(l)),
  }));
  const reasons = [...groupBy(open, (l) => l.reason)]
    .map(([reason, rows]) => `${reason} ${rows.length}`)
    .join(', ');
  const redriven = snapshot.deadLetters.length - open.length;
  const detail =
    `${snapshot.deadLetters.length} dead letter(s), ${redriven} re-driven, ${open.length} open` +
    (reasons ? ` (${reasons})` : '') +
    (failing.length > 0 ? `; ${failing.length} hold a step an order still needs` : '');
  return {
    rule: 'dead-letters',
    verdict: failing.length > 0 ? 'FAIL' : open.length > 0 ? 'WARN' : 'PASS',
    detail,
    violations,
  };
}

/** With `--sale`: only the dead letters about that sale or one of its orders. */
export function deadLettersOf(
  letters: readonly DeadLetterRow[],
  saleIds: ReadonlySet<string>,
  orderIds: ReadonlySet<string>,
): DeadLetterRow[] {
  return letters.filter(
    (l) =>
      (l.saleId !== null && saleIds.has(l.saleId)) ||
      (l.orderId !== null && orderIds.has(l.orderId)),
  );
}

/** Orders the dead letters may explain: accepted and not terminal, or named by a failing rule. */
function stuckOrders(snapshot: VerifySnapshot, otherResults: readonly RuleResult[]): Set<string> {
  const stuck = new Set<string>();
  const readModel = firstBy(snapshot.orders, (o) => o.orderId);
  for (const orderId of admittedIds(snapshot)) {
    const order = readModel.get(orderId);
    if (!order || !isTerminal(order.status)) stuck.add(orderId);
  }
  for (const order of readModel.values()) if (!isTerminal(order.status)) stuck.add(order.orderId);
  for (const result of otherResults) {
    if (result.verdict !== 'FAIL') continue;
    for (const { subject } of result.violations) {
      if (subject.startsWith('order ')) stuck.add(subject.slice('order '.length));
    }
  }
  return stuck;
}

function describe(letter: DeadLetterRow, needed: boolean): string {
  const about = letter.orderId === null ? 'no order' : `order ${letter.orderId}`;
  const where = `${letter.originalTopic} → ${letter.consumerGroup}`;
  const head = `${letter.reason} (${where}), ${about}`;
  if (needed) {
    return `${head}: the order still needs it; fix the cause, then npm run dlq -- redrive ${letter.originalTopic}`;
  }
  return letter.error ? `${head}: ${letter.error}` : head;
}
