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

/** At most this many accepted orders are read back one by one (a random sample beyond it). */
export const ORDER_READBACK_LIMIT = 2000;

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
  readonly after: Pick<Sale, 'remainingStock' | 'status'>;
  readonly recorder: Recorder;
  readonly acceptedByUser: ReadonlyMap<number, number>;
  readonly orders: ReadonlyArray<{ orderId: string; user: number }>;
  readonly malformed: readonly string[];
  readonly readOrder: (o: {
    orderId: string;
    user: number;
  }) => Promise<{ saleId: string; quantity: number }>;
}

/** The business checks of a hot-path run. */
export async function businessChecks(input: CheckInput): Promise<Check[]> {
  const { sale, after, recorder } = input;
  const accepted = recorder.count('accepted');
  const expected = Math.min(sale.stock, input.options.users * sale.perUserLimit);
  const checks: Check[] = [];
  checks.push({
    name: 'accepted == stock',
    ok: accepted === expected,
    detail:
      `${accepted} accepted, expected ${expected}` +
      (expected < sale.stock ? ` (users × perUserLimit = ${expected} < stock ${sale.stock})` : '') +
      (accepted < expected && recorder.count('soldOut') === 0
        ? ' — the sale did not sell out: more load or time'
        : ''),
  });
  const over = [...input.acceptedByUser].filter(([, n]) => n > sale.perUserLimit);
  checks.push({
    name: 'per-user limit held',
    ok: over.length === 0,
    detail:
      over.length === 0
        ? `${input.acceptedByUser.size} buyers, none above ${sale.perUserLimit}`
        : `${over.length} users above ${sale.perUserLimit}, e.g. user #${over[0][0]} with ${over[0][1]}`,
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
  const remainingExpected = sale.stock - accepted;
  checks.push({
    name: 'sale remainingStock',
    ok:
      after.remainingStock === remainingExpected &&
      (expected < sale.stock || after.remainingStock === 0),
    detail: `remainingStock ${after.remainingStock}, expected ${remainingExpected} (status ${after.status})`,
  });
  const sample = sampleOf(input.orders, ORDER_READBACK_LIMIT);
  const problems: string[] = [];
  await mapLimit(sample, 16, async (o) => {
    try {
      const order = await input.readOrder(o);
      if (order.saleId !== sale.id) problems.push(`${o.orderId}: saleId ${order.saleId}`);
      else if (order.quantity !== 1) problems.push(`${o.orderId}: quantity ${order.quantity}`);
    } catch (err) {
      problems.push(`${o.orderId}: ${(err as Error).message}`);
    }
  });
  checks.push({
    name: 'accepted orders readable by their owner',
    ok: problems.length === 0,
    detail:
      problems.length === 0
        ? `${sample.length}${sample.length < input.orders.length ? ` (random sample of ${input.orders.length})` : ''} read back, all with this sale and quantity 1`
        : `${problems.length} of ${sample.length} failed, e.g. ${problems[0]}`,
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

function sampleOf<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return [...items];
  const copy = [...items];
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(Math.random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, n);
}
