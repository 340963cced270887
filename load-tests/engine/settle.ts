/**
 * Waits for the saga: reads every accepted order (`GET /api/orders/:id`, with its buyer's token)
 * until each is terminal (SHIPPED, FAILED or CANCELLED) and the sale's remaining stock has taken
 * back every released unit, or until the timeout. Only orders still in flight are read again.
 */
import { isTerminalOrderStatus } from '@seckill/contracts';
import { mapLimit, ShopApi } from '../bench/shop-api';

export interface KnownOrder {
  readonly orderId: string;
  readonly user: number;
  readonly token: string;
  /** The request that got it (-1: bought during setup). */
  readonly index: number;
  /** When the buyer had the 202 (epoch ms). */
  readonly answeredAtMs: number;
  readonly via: 'load' | 'replay' | 'setup';
}

export interface OrderState {
  readonly saleId: string;
  readonly quantity: number;
  readonly status: string;
  readonly history: ReadonlyArray<{ readonly status: string; readonly at: string }>;
}

export interface Settled {
  readonly orders: ReadonlyMap<string, OrderState>;
  /** Orders that could not be read, or are not of this sale / quantity 1. */
  readonly problems: readonly string[];
  readonly remaining: number;
  readonly saleStatus: string;
  readonly inFlight: number;
  readonly kept: number;
  readonly released: number;
  readonly settled: boolean;
  readonly waitedSec: number;
}

/** Statuses in which an order gave its unit back to the sale. */
export const RELEASED: ReadonlySet<string> = new Set(['FAILED', 'CANCELLED']);

async function readOrder(base: string, o: KnownOrder): Promise<OrderState | string> {
  try {
    const response = await fetch(new URL(`/api/orders/${encodeURIComponent(o.orderId)}`, base), {
      headers: { authorization: `Bearer ${o.token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (response.status !== 200) return `HTTP ${response.status} ${text.slice(0, 120)}`;
    return JSON.parse(text) as OrderState;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

export async function settle(
  base: string,
  sale: { readonly id: string; readonly stock: number },
  orders: readonly KnownOrder[],
  opts: { readonly timeoutSec: number; readonly log: (line: string) => void },
): Promise<Settled> {
  // One read per order, even if (wrongly) two answers named the same one: checks.ts counts those.
  const known = [...new Map(orders.map((o) => [o.orderId, o])).values()];
  const api = new ShopApi(base);
  const started = Date.now();
  const deadline = started + opts.timeoutSec * 1000;
  const states = new Map<string, OrderState>();
  let lastLog = 0;
  for (;;) {
    const problems: string[] = [];
    const toRead = known.filter((o) => !isTerminalOrderStatus(states.get(o.orderId)?.status ?? ''));
    await mapLimit(toRead, 32, async (o) => {
      const state = await readOrder(base, o);
      if (typeof state === 'string') problems.push(`${o.orderId}: ${state}`);
      else if (state.saleId !== sale.id) problems.push(`${o.orderId}: saleId ${state.saleId}`);
      else if (state.quantity !== 1) problems.push(`${o.orderId}: quantity ${state.quantity}`);
      else states.set(o.orderId, state);
    });
    const s = await api.sale(sale.id);
    const statuses = [...states.values()].map((o) => o.status);
    const released = statuses.filter((st) => RELEASED.has(st)).length;
    const inFlight = known.length - statuses.filter(isTerminalOrderStatus).length;
    const kept = statuses.length - released;
    const settled = inFlight === 0 && kept + s.remainingStock === sale.stock;
    const waitedSec = (Date.now() - started) / 1000;
    const done = settled || problems.length > 0 || Date.now() >= deadline || known.length === 0;
    if (done || Date.now() - lastLog > 2000) {
      lastLog = Date.now();
      const counts = new Map<string, number>();
      for (const st of statuses) counts.set(st, (counts.get(st) ?? 0) + 1);
      opts.log(
        `  settle ${waitedSec.toFixed(0)}s: ${known.length - inFlight}/${known.length} orders terminal ` +
          `(${[...counts].map(([k, v]) => `${k} ${v}`).join(', ') || 'none yet'}), ` +
          `kept ${kept} + remaining ${s.remainingStock} = ${kept + s.remainingStock} of ${sale.stock}`,
      );
    }
    if (done)
      return {
        orders: states,
        problems,
        remaining: s.remainingStock,
        saleStatus: s.status,
        inFlight,
        kept,
        released,
        settled,
        waitedSec,
      };
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
