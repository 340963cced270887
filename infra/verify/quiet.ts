/**
 * "Once the system is quiet": the invariants are about a shop with nothing in flight, so the
 * verifier first waits for that. Quiet means, in two samples in a row:
 *
 *   - every consumer group has committed everything on its topics, retry topics included
 *     (lag 0, read from Kafka itself: infra/local/group-lag.ts);
 *   - every outbox is empty: the sales' Redis streams and the five Postgres outbox tables (an
 *     unpublished entry is an event no consumer has seen yet, so lag 0 alone proves nothing);
 *   - no payment intent is PENDING (payment-service calls the provider outside its consumer, after
 *     committing the offset: work that shows in no lag);
 *   - and the groups' committed positions did not move between the two samples, so nothing was
 *     published and consumed in between, unseen by either sample.
 *
 * An order that is not terminal while all of that holds is stuck: only the unpaid-deadline
 * sweeper (15 minutes by default) could still move it, and the terminal rule reports it.
 */
import { behindLine, type GroupPosition } from '../local/group-lag';
import type { OutboxBacklog } from './snapshot';
import type { RuleResult, Violation } from './verdict';

export interface Busyness {
  /** Per consumer group. */
  readonly lag: Readonly<Record<string, GroupPosition>>;
  readonly outboxes: readonly OutboxBacklog[];
  readonly paymentsInFlight: number;
}

/** What is still going on, one line; '' when nothing is. */
export function busyLine(b: Busyness): string {
  const parts: string[] = [];
  const behind = behindLine(b.lag);
  if (behind) parts.push(`consumer lag ${behind}`);
  const unpublished = b.outboxes.filter((o) => o.unpublished > 0);
  if (unpublished.length > 0) {
    const total = unpublished.reduce((n, o) => n + o.unpublished, 0);
    const where = unpublished.map((o) => `${o.outbox} ${o.unpublished}`).join(', ');
    parts.push(`${total} unpublished outbox entries (${where})`);
  }
  if (b.paymentsInFlight > 0) parts.push(`${b.paymentsInFlight} payment(s) in flight`);
  return parts.join('; ');
}

/** The groups' positions summed: it grows whenever any group commits anything. */
function committed(b: Busyness): number {
  return Object.values(b.lag).reduce((sum, p) => sum + p.read, 0);
}

export interface QuietOptions {
  readonly timeoutMs: number;
  /** Between samples. */
  readonly pollMs?: number;
  /** Between progress lines. */
  readonly progressMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface QuietOutcome {
  readonly quiet: boolean;
  readonly waitedMs: number;
  /** The last sample: what was still busy when it gave up. */
  readonly last: Busyness;
}

/** Samples until the shop is quiet (see the file comment) or `timeoutMs` has passed. */
export async function waitUntilQuiet(
  sample: () => Promise<Busyness>,
  options: QuietOptions,
  log: (line: string) => void,
): Promise<QuietOutcome> {
  const now = options.now ?? Date.now;
  const sleep =
    options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const pollMs = options.pollMs ?? 500;
  const progressMs = options.progressMs ?? 2000;
  const started = now();
  let lastLogged = started;
  let previousIdle: Busyness | null = null;
  for (;;) {
    let current: Busyness;
    try {
      current = await sample();
    } catch (error) {
      // A store between two states fails a read now and then (a broker that has just come
      // back, whose metadata is still incomplete): not quiet yet, try again until the timeout.
      previousIdle = null;
      if (now() - started >= options.timeoutMs) throw error;
      if (now() - lastLogged >= progressMs) {
        lastLogged = now();
        log(
          `waiting for the shop to be quiet: a read failed (${firstLineOf(error)}); trying again`,
        );
      }
      await sleep(pollMs);
      continue;
    }
    const waitedMs = now() - started;
    const busy = busyLine(current);
    if (busy === '') {
      if (previousIdle !== null && committed(previousIdle) === committed(current)) {
        return { quiet: true, waitedMs, last: current };
      }
      previousIdle = current;
    } else {
      previousIdle = null;
    }
    if (waitedMs >= options.timeoutMs) return { quiet: false, waitedMs, last: current };
    if (now() - lastLogged >= progressMs) {
      lastLogged = now();
      log(
        `waiting for the shop to be quiet (${seconds(waitedMs)} s of ${seconds(options.timeoutMs)} s): ${busy || 'idle, checking that it stays so'}`,
      );
    }
    await sleep(pollMs);
  }
}

/** The report's first row: whether the verdicts below are about a quiet shop. */
export function quietResult(outcome: QuietOutcome, groups: number): RuleResult {
  if (outcome.quiet) {
    return {
      rule: 'quiet',
      verdict: 'PASS',
      detail: `quiet after ${seconds(outcome.waitedMs)} s: no consumer lag (${groups} group${groups === 1 ? '' : 's'}), outboxes empty, no payment in flight`,
      violations: [],
    };
  }
  const violations: Violation[] = [
    ...Object.entries(outcome.last.lag)
      .filter(([, p]) => p.lag > 0)
      .map(([group, p]) => ({
        subject: `group ${group}`,
        message: `${p.lag} events not consumed`,
      })),
    ...outcome.last.outboxes
      .filter((o) => o.unpublished > 0)
      .map((o) => ({ subject: o.outbox, message: `${o.unpublished} entries not published` })),
    ...(outcome.last.paymentsInFlight > 0
      ? [{ subject: 'payments', message: `${outcome.last.paymentsInFlight} intents PENDING` }]
      : []),
  ];
  return {
    rule: 'quiet',
    verdict: 'FAIL',
    detail: `still busy after ${seconds(outcome.waitedMs)} s (--timeout): ${busyLine(outcome.last) || 'positions kept moving'}; the rules below judged a shop in motion`,
    violations,
  };
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);

function firstLineOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
