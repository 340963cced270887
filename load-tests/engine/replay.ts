/**
 * Sends the replays of ambiguity.ts: each request again, once, with its own token, body and
 * Idempotency-Key, as a patient client would. The gateway's per-user bucket allows one purchase
 * a second, so the replays go in rounds: each round sends at most one replay per user and lasts
 * at least a second. A replay answered 429 or 503 OVERLOADED was not looked at: it is sent again
 * in a later round (up to 3 times), after its Retry-After.
 */
import { mapLimit } from '../bench/shop-api';
import {
  type ListedOrder,
  type ReplayAnswer,
  type ReplayClass,
  classifyListed,
  classifyReplay,
  listedOrderBought,
} from './ambiguity';
import { classify, orderIdOf, problemCodeOf } from './outcomes';
import type { Answer } from './results';
import { PURCHASE_BODY, purchasePath } from './targets';

export interface ReplayItem {
  readonly original: Answer;
  readonly user: number;
  readonly token: string;
  readonly key: string;
}

export interface ReplayDone {
  readonly item: ReplayItem;
  readonly replay: ReplayAnswer;
  readonly cls: ReplayClass;
  /** The order a 202 replay returned (it belongs to the sale's accepted orders now). */
  readonly orderId: string | null;
  /** Settled by the buyer's order list rather than by the replay's answer. */
  readonly listed?: boolean;
}

const MAX_ATTEMPTS = 3;

interface Sent {
  readonly status: number;
  readonly body: string;
  readonly retryAfterSec: number;
  readonly sentAtMs: number;
}

async function send(base: string, saleId: string, item: ReplayItem): Promise<Sent> {
  const sentAtMs = Date.now();
  try {
    const response = await fetch(new URL(purchasePath(saleId), base), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${item.token}`,
        'content-type': 'application/json',
        'idempotency-key': item.key,
      },
      body: PURCHASE_BODY,
      signal: AbortSignal.timeout(10_000),
    });
    const retryAfter = Number(response.headers.get('retry-after') ?? '1');
    return {
      status: response.status,
      body: await response.text(),
      retryAfterSec: Number.isFinite(retryAfter) ? Math.min(5, Math.max(1, retryAfter)) : 1,
      sentAtMs,
    };
  } catch {
    return { status: 0, body: '', retryAfterSec: 1, sentAtMs };
  }
}

/** When the order was admitted: the time of its first history entry, or null. */
async function acceptedAt(base: string, token: string, orderId: string): Promise<number | null> {
  try {
    const response = await fetch(new URL(`/api/orders/${encodeURIComponent(orderId)}`, base), {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status !== 200) return null;
    const order = (await response.json()) as { history?: Array<{ at?: unknown }> };
    const first = order.history?.[0]?.at;
    const ms = typeof first === 'string' ? Date.parse(first) : Number.NaN;
    return Number.isFinite(ms) ? ms : null;
  } catch {
    return null;
  }
}

export async function replayAll(
  items: readonly ReplayItem[],
  opts: {
    readonly base: string;
    readonly saleId: string;
    readonly log: (line: string) => void;
    readonly concurrency?: number;
  },
): Promise<ReplayDone[]> {
  const queues = new Map<number, ReplayItem[]>();
  for (const item of items) {
    const q = queues.get(item.user);
    if (q) q.push(item);
    else queues.set(item.user, [item]);
  }
  const attempts = new Map<ReplayItem, number>();
  const done: ReplayDone[] = [];
  let round = 0;
  let logged = 0;
  while ([...queues.values()].some((q) => q.length > 0)) {
    round++;
    const started = Date.now();
    const batch = [...queues.values()].filter((q) => q.length > 0).map((q) => q[0]);
    let waitSec = 1;
    await mapLimit(batch, opts.concurrency ?? 32, async (item) => {
      const sent = await send(opts.base, opts.saleId, item);
      const outcome = classify(sent.status, sent.status >= 400 ? problemCodeOf(sent.body) : null);
      const tries = (attempts.get(item) ?? 0) + 1;
      attempts.set(item, tries);
      const queue = queues.get(item.user) ?? [];
      if ((outcome === 'rateLimited' || outcome === 'overloaded') && tries < MAX_ATTEMPTS) {
        waitSec = Math.max(waitSec, sent.retryAfterSec);
        return; // stays first in its user's queue: sent again next round
      }
      queue.shift();
      const orderId = outcome === 'accepted' ? orderIdOf(sent.body) : null;
      const replay: ReplayAnswer = {
        outcome,
        sentAtMs: sent.sentAtMs,
        acceptedAtMs: orderId ? await acceptedAt(opts.base, item.token, orderId) : null,
      };
      done.push({ item, replay, cls: classifyReplay(item.original.outcome, replay), orderId });
    });
    if (Date.now() - logged > 2000 || done.length === items.length) {
      logged = Date.now();
      opts.log(
        `  replay round ${round}: ${batch.length} sent, ${done.length}/${items.length} settled`,
      );
    }
    const elapsed = Date.now() - started;
    if ([...queues.values()].some((q) => q.length > 0) && elapsed < waitSec * 1000 + 100)
      await new Promise((resolve) => setTimeout(resolve, waitSec * 1000 + 100 - elapsed));
  }
  return done;
}

/** The buyer's orders of the sale, or null when the shop has no such list (yet). */
async function listOrders(
  base: string,
  token: string,
  saleId: string,
): Promise<ListedOrder[] | null> {
  try {
    const response = await fetch(
      new URL(`/api/users/me/orders?saleId=${encodeURIComponent(saleId)}`, base),
      {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        signal: AbortSignal.timeout(10_000),
      },
    );
    if (response.status !== 200) return null;
    const body = (await response.json()) as { items?: unknown };
    return Array.isArray(body.items) ? (body.items as ListedOrder[]) : null;
  } catch {
    return null;
  }
}

/**
 * Settles the replays that proved nothing (the sold-out fast path answers before it looks at
 * the key; a replay may also get no definite answer) by the buyer's order list, if the shop
 * serves `GET /api/users/me/orders?saleId=`. Returns the records, updated, and whether the
 * list was there (null: nothing to settle).
 */
export async function settleByOrderList(
  done: readonly ReplayDone[],
  opts: { readonly base: string; readonly saleId: string },
): Promise<{ readonly records: ReplayDone[]; readonly available: boolean | null }> {
  const unproven = done.filter((d) => d.cls === 'refusedSoldOut' || d.cls === 'inconclusive');
  // null: nothing needed settling, so the list was not asked for
  if (unproven.length === 0) return { records: [...done], available: null };
  const probe = await listOrders(opts.base, unproven[0].item.token, opts.saleId);
  if (probe === null) return { records: [...done], available: false };
  const byUser = new Map<number, ListedOrder[] | null>([[unproven[0].item.user, probe]]);
  await mapLimit([...new Set(unproven.map((d) => d.item.user))], 16, async (user) => {
    if (byUser.has(user)) return;
    const token = unproven.find((d) => d.item.user === user)?.item.token ?? '';
    byUser.set(user, await listOrders(opts.base, token, opts.saleId));
  });
  const records = done.map((d): ReplayDone => {
    if (d.cls !== 'refusedSoldOut' && d.cls !== 'inconclusive') return d;
    const listed = byUser.get(d.item.user);
    if (!listed) return d;
    const match = listed.find(
      (o) => o.idempotencyKey === d.item.key && listedOrderBought(o, d.replay.sentAtMs),
    );
    return {
      ...d,
      cls: classifyListed(d.item.original.outcome, match !== undefined),
      orderId: typeof match?.orderId === 'string' ? match.orderId : d.orderId,
      listed: true,
    };
  });
  return { records, available: true };
}
