/**
 * The business checks of the hot-path scenario (load-tests/hot-path.ts), apart from the load so
 * they can be unit-tested: what a flash sale must look like afterwards.
 */
import type { HotPathOptions } from './args';
import type { Recorder } from './stats';
import { mapLimit, type Sale } from './shop-api';

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** `orderId` of a 202 body, or null. */
export function orderIdOf(body: string): string | null {
  try {
    const parsed = JSON.parse(body) as { orderId?: unknown };
    return typeof parsed.orderId === 'string' && parsed.orderId ? parsed.orderId : null;
  } catch {
    return null;
  }
}

export interface CheckInput {
  readonly options: Pick<HotPathOptions, 'stock' | 'users' | 'perUserLimit'>;
  readonly sale: Pick<Sale, 'id' | 'stock' | 'perUserLimit'>;
  readonly recorder: Recorder;
  readonly orders: ReadonlyArray<{ orderId: string; user: number }>;
  readonly malformed: readonly string[];
  readonly readOrder: (o: {
    orderId: string;
    user: number;
  }) => Promise<{ saleId: string; quantity: number; status: string }>;
  readonly readSale: () => Promise<Pick<Sale, 'remainingStock' | 'status'>>;
  /** How long to wait for the saga to settle every accepted order (default 60 s). */
  readonly settleTimeoutMs?: number;
  readonly settleIntervalMs?: number;
}

/**
 * Statuses in which an order gave its unit back: the saga released it (payment failed, unpaid
 * deadline) and order-service restocked Redis, so the same unit may have been sold again.
 */
const RELEASED = new Set(['FAILED', 'CANCELLED']);
const TERMINAL = new Set(['SHIPPED', 'FAILED', 'CANCELLED']);

interface Settled {
  readonly statuses: ReadonlyMap<string, string>;
  readonly problems: readonly string[];
  readonly remaining: number;
  readonly saleStatus: string;
  readonly inFlight: number;
  readonly kept: number;
  readonly released: number;
  readonly settled: boolean;
}

/**
 * The business checks of a hot-path run. The saga runs behind the hot path: a failed payment or
 * an unpaid order returns its unit to the sale, and the unit can be sold again. So the checks
 * wait until every accepted order is terminal (SHIPPED, FAILED or CANCELLED) and the stock has
 * come back, then judge units, not answers: kept orders + units left == stock (no oversell, no
 * unit lost), and every unit was sold at least once.
 */
export async function businessChecks(input: CheckInput): Promise<Check[]> {
  const { sale, recorder } = input;
  const accepted = recorder.count('accepted');
  const expected = Math.min(sale.stock, input.options.users * sale.perUserLimit);
  const state = await settle(input);
  const checks: Check[] = [];
  checks.push({
    name: 'every unit sold',
    ok: accepted >= expected,
    detail:
      `${accepted} accepted for ${expected} unit(s)` +
      (expected < sale.stock ? ` (users × perUserLimit = ${expected} < stock ${sale.stock})` : '') +
      (state.released > 0 ? `; ${state.released} released by the saga and sold again` : '') +
      (accepted < expected && recorder.count('soldOut') === 0
        ? ' — the sale did not sell out: more load or time'
        : ''),
  });
  const keptByUser = new Map<number, number>();
  for (const o of input.orders) {
    const status = state.statuses.get(o.orderId);
    if (status !== undefined && !RELEASED.has(status)) {
      keptByUser.set(o.user, (keptByUser.get(o.user) ?? 0) + 1);
    }
  }
  const over = [...keptByUser].filter(([, n]) => n > sale.perUserLimit);
  checks.push({
    name: 'per-user limit held',
    ok: over.length === 0,
    detail:
      over.length === 0
        ? `${keptByUser.size} buyers keep an order, none more than ${sale.perUserLimit}`
        : `${over.length} users keep more than ${sale.perUserLimit}, e.g. user #${over[0][0]} with ${over[0][1]}`,
  });
  const ids = new Set(input.orders.map((o) => o.orderId));
  checks.push({
    name: 'order ids unique and present',
    ok:
      ids.size === input.orders.length &&
      input.malformed.length === 0 &&
      input.orders.length === accepted,
    detail:
      `${ids.size} distinct of ${input.orders.length}` +
      (input.malformed.length
        ? `; ${input.malformed.length} 202 bodies without orderId, e.g. ${input.malformed[0]}`
        : ''),
  });
  const total = state.kept + state.remaining;
  checks.push({
    name: 'stock conserved',
    ok: state.settled && total === sale.stock && state.remaining >= 0,
    detail:
      `${state.kept} kept + ${state.remaining} left = ${total} of ${sale.stock} ` +
      `(sale ${state.saleStatus}; ${state.released} order(s) FAILED/CANCELLED gave theirs back)` +
      (state.inFlight > 0 ? `; ${state.inFlight} order(s) not terminal when the wait ended` : ''),
  });
  checks.push({
    name: 'accepted orders readable by their owner',
    ok: state.problems.length === 0,
    detail:
      state.problems.length === 0
        ? `${input.orders.length} read back, all with this sale and quantity 1`
        : `${state.problems.length} of ${input.orders.length} failed, e.g. ${state.problems[0]}`,
  });
  const fivexx = recorder.count('serverError');
  checks.push({
    name: 'zero 5xx',
    ok: fivexx === 0,
    detail:
      fivexx === 0
        ? 'none'
        : `${fivexx}: ${[...recorder.otherCodes]
            .filter(([k]) => k.startsWith('5'))
            .map(([k, v]) => `${k} ×${v}`)
            .join(', ')}`,
  });
  const errors = recorder.count('error');
  checks.push({
    name: 'zero transport errors',
    ok: errors === 0,
    detail: errors === 0 ? 'none' : [...recorder.errors].map(([k, v]) => `${k} ×${v}`).join(', '),
  });
  const ok2xx = recorder.count('ok');
  if (ok2xx > 0)
    checks.push({
      name: 'no unexpected 2xx',
      ok: false,
      detail: `${ok2xx} answers 2xx other than 202`,
    });
  return checks;
}

/** Reads every accepted order and the sale until the saga is done with them, or time is up. */
async function settle(input: CheckInput): Promise<Settled> {
  const deadline = Date.now() + (input.settleTimeoutMs ?? 60_000);
  for (;;) {
    const statuses = new Map<string, string>();
    const problems: string[] = [];
    await mapLimit(input.orders, 16, async (o) => {
      try {
        const order = await input.readOrder(o);
        if (order.saleId !== input.sale.id) problems.push(`${o.orderId}: saleId ${order.saleId}`);
        else if (order.quantity !== 1) problems.push(`${o.orderId}: quantity ${order.quantity}`);
        else statuses.set(o.orderId, order.status);
      } catch (err) {
        problems.push(`${o.orderId}: ${(err as Error).message}`);
      }
    });
    const sale = await input.readSale();
    const values = [...statuses.values()];
    const released = values.filter((s) => RELEASED.has(s)).length;
    const inFlight = values.filter((s) => !TERMINAL.has(s)).length;
    const kept = values.length - released;
    const settled = inFlight === 0 && kept + sale.remainingStock === input.sale.stock;
    const state: Settled = {
      statuses,
      problems,
      remaining: sale.remainingStock,
      saleStatus: sale.status,
      inFlight,
      kept,
      released,
      settled,
    };
    if (settled || problems.length > 0 || Date.now() >= deadline) return state;
    await new Promise((resolve) => setTimeout(resolve, input.settleIntervalMs ?? 500));
  }
}
