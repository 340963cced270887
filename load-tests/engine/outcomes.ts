/**
 * What one answer means for a buyer. Every purchase answer is exactly one outcome, from its
 * status and the problem `code` of its `application/problem+json` body. Pure.
 */

export const OUTCOMES = [
  'accepted',
  'ok',
  'soldOut',
  'limitReached',
  'rateLimited',
  'overloaded',
  'outcomeUnknown',
  'other4xx',
  'other5xx',
  'transport',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const OUTCOME_LABELS: Record<Outcome, string> = {
  accepted: '202 accepted (201 sync)',
  ok: '2xx (not 202/201)',
  soldOut: '409 SOLD_OUT',
  limitReached: '409 LIMIT_REACHED',
  rateLimited: '429 RATE_LIMITED',
  overloaded: '503 OVERLOADED',
  outcomeUnknown: '503 OUTCOME_UNKNOWN',
  other4xx: 'other 4xx',
  other5xx: 'other 5xx',
  transport: 'transport error',
};

/**
 * Named sets of outcomes that thresholds and tables use:
 * - `5xx`: every server answer 5xx, honest shedding included;
 * - `shed`: the excess the shop turned away and asked to come back later (429, 503 OVERLOADED);
 * - `errors`: what no buyer should ever get: a 5xx other than OVERLOADED, or no answer.
 */
export const OUTCOME_GROUPS = {
  all: OUTCOMES,
  '5xx': ['overloaded', 'outcomeUnknown', 'other5xx'],
  shed: ['rateLimited', 'overloaded'],
  errors: ['outcomeUnknown', 'other5xx', 'transport'],
} as const satisfies Record<string, readonly Outcome[]>;
export type OutcomeGroup = keyof typeof OUTCOME_GROUPS;

export function outcomesOf(selector: Outcome | OutcomeGroup): readonly Outcome[] {
  return selector in OUTCOME_GROUPS
    ? OUTCOME_GROUPS[selector as OutcomeGroup]
    : [selector as Outcome];
}

/**
 * A purchase that bought: 202 (admitted; the saga follows), or 201 from a sale of the
 * synchronous baseline (ADR 0012), which answers once the order is shipped.
 */
export function isAcceptedStatus(status: number): boolean {
  return status === 202 || status === 201;
}

/** vegeta reports "no answer" (refused, reset, timed out) as status code 0. */
export function classify(status: number, problemCode: string | null): Outcome {
  if (status === 0) return 'transport';
  if (isAcceptedStatus(status)) return 'accepted';
  if (status >= 200 && status < 300) return 'ok';
  if (status === 409 && problemCode === 'SOLD_OUT') return 'soldOut';
  if (status === 409 && problemCode === 'LIMIT_REACHED') return 'limitReached';
  if (status === 429 && problemCode === 'RATE_LIMITED') return 'rateLimited';
  if (status === 503 && problemCode === 'OVERLOADED') return 'overloaded';
  if (status === 503 && problemCode === 'OUTCOME_UNKNOWN') return 'outcomeUnknown';
  if (status >= 500) return 'other5xx';
  return 'other4xx';
}

/** The answers a buyer is told to retry later, and so must come with `Retry-After`. */
export function needsRetryAfter(outcome: Outcome): boolean {
  return outcome === 'rateLimited' || outcome === 'overloaded' || outcome === 'outcomeUnknown';
}

/** `code` of a problem+json body, or null (not JSON, no string `code`). */
export function problemCodeOf(body: string): string | null {
  if (!body.startsWith('{')) return null;
  try {
    const parsed = JSON.parse(body) as { code?: unknown };
    return typeof parsed.code === 'string' ? parsed.code : null;
  } catch {
    return null;
  }
}

/** `orderId` of a 202 body, or null. */
export function orderIdOf(body: string): string | null {
  if (!body.startsWith('{')) return null;
  try {
    const parsed = JSON.parse(body) as { orderId?: unknown };
    return typeof parsed.orderId === 'string' && parsed.orderId ? parsed.orderId : null;
  } catch {
    return null;
  }
}

/** A transport error that is a timeout (vegeta's `-timeout`), as opposed to refused or reset. */
export function isTimeout(error: string): boolean {
  return /timeout|deadline exceeded/i.test(error);
}
