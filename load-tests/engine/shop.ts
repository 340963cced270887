/**
 * The shop calls a scenario's setup makes through the public API: buyers with dev tokens, an
 * open sale, a purchase outside the load.
 */
import { ApiError, ShopApi, type Sale } from '../bench/shop-api';
import { isTerminalOrderStatus } from '@seckill/contracts';
import { isAcceptedStatus } from './outcomes';
import type { KnownOrder } from './settle';

/** The run's buyers: user `i` is `<runKey>-u<i>` with its own dev token, minted on demand. */
export class Buyers {
  private readonly tokens: string[] = [];

  constructor(
    private readonly api: ShopApi,
    private readonly runKey: string,
    private readonly log: (line: string) => void,
  ) {}

  get count(): number {
    return this.tokens.length;
  }

  token(user: number): string {
    const t = this.tokens[user];
    if (t === undefined) throw new Error(`no token for user #${user} (only ${this.tokens.length})`);
    return t;
  }

  /** At least `n` buyers. */
  async ensure(n: number): Promise<void> {
    if (this.tokens.length >= n) return;
    const started = Date.now();
    const ids = Array.from(
      { length: n - this.tokens.length },
      (_, i) => `${this.runKey}-u${this.tokens.length + i}`,
    );
    this.tokens.push(...(await this.api.devTokens(ids, 64)));
    this.log(
      `  ${ids.length.toLocaleString('en-US')} buyers with dev tokens in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
        `(${this.tokens.length.toLocaleString('en-US')} in all)`,
    );
  }
}

/** A sale that is open now (or in 2 s, if the shop refuses a start in the past). */
export async function openSale(
  api: ShopApi,
  adminToken: string,
  spec: {
    readonly name: string;
    readonly stock: number;
    readonly perUserLimit: number;
    /** `sync`: a sale of the synchronous baseline (ADR 0012). Default: the shop's own flow. */
    readonly flow?: 'events' | 'sync';
  },
  log: (line: string) => void,
): Promise<Sale> {
  const now = Date.now();
  const sale = {
    name: spec.name,
    price: 4999,
    stock: spec.stock,
    perUserLimit: spec.perUserLimit,
    ...(spec.flow ? { flow: spec.flow } : {}),
    startsAt: new Date(now - 1000).toISOString(),
    endsAt: new Date(now + 3_600_000).toISOString(),
  };
  let created: Sale;
  try {
    created = await api.createSale(adminToken, sale);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 400 || !err.body.includes('startsAt'))
      throw err;
    log('  the sale cannot start in the past: it starts in 2 s');
    created = await api.createSale(adminToken, {
      ...sale,
      startsAt: new Date(Date.now() + 2000).toISOString(),
    });
  }
  const deadline = Date.now() + 10_000;
  while (created.status !== 'OPEN') {
    if (Date.now() > deadline)
      throw new Error(`sale ${created.id} is ${created.status}, not OPEN, after 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
    created = await api.sale(created.id);
  }
  log(
    `  sale ${created.id}: stock ${created.stock.toLocaleString('en-US')}, perUserLimit ${created.perUserLimit}, ${created.status}${spec.flow === 'sync' ? ', synchronous baseline' : ''}`,
  );
  return created;
}

/** One purchase during setup (e.g. buying the only unit); the order joins the checks. */
export async function buyOnce(
  api: ShopApi,
  buyers: Buyers,
  user: number,
  saleId: string,
  key: string,
): Promise<KnownOrder> {
  const token = buyers.token(user);
  const answer = await api.placeOrder(token, saleId, key);
  if (!isAcceptedStatus(answer.status))
    throw new Error(`setup purchase: HTTP ${answer.status} ${answer.text.slice(0, 200)}`);
  const orderId = (JSON.parse(answer.text) as { orderId?: string }).orderId;
  if (!orderId) throw new Error(`setup purchase: no orderId in ${answer.text.slice(0, 200)}`);
  return { orderId, user, token, index: -1, answeredAtMs: Date.now(), via: 'setup' };
}

/**
 * Waits until the shop is quiet after a load: three reads of the sale in a row, each answered
 * within 50 ms (or gives up after `maxSec`). Replays sent into a backlog would measure the
 * backlog, not the answers.
 */
export async function waitQuiet(
  api: ShopApi,
  saleId: string,
  maxSec: number,
  log: (line: string) => void,
): Promise<void> {
  const started = Date.now();
  let fast = 0;
  while (fast < 3 && Date.now() - started < maxSec * 1000) {
    const t = Date.now();
    try {
      await api.sale(saleId);
      fast = Date.now() - t <= 50 ? fast + 1 : 0;
    } catch {
      fast = 0;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  log(
    `  shop ${fast >= 3 ? 'quiet' : `still slow after ${maxSec} s`} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
}

/**
 * Buys the whole stock of a one-unit sale and waits until that order is SHIPPED, buying again
 * when the saga released the unit (a declined payment): a storm on a "sold-out" sale must not
 * find the unit back on sale halfway through.
 */
export async function buyLastUnit(
  api: ShopApi,
  buyers: Buyers,
  saleId: string,
  runKey: string,
  log: (line: string) => void,
): Promise<KnownOrder[]> {
  const orders: KnownOrder[] = [];
  for (let attempt = 0; attempt < 5; attempt++) {
    const order = await buyOnce(api, buyers, attempt, saleId, `${runKey}.setup${attempt}`);
    orders.push(order);
    const deadline = Date.now() + 60_000;
    let status = 'PENDING';
    while (!isTerminalOrderStatus(status) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      status = (await api.order(order.token, order.orderId)).status;
    }
    log(`  bought the only unit: order ${order.orderId} ${status}`);
    if (status === 'SHIPPED') return orders;
    if (status !== 'FAILED' && status !== 'CANCELLED')
      throw new Error(`the setup order ${order.orderId} is still ${status} after 60 s`);
    // Its unit goes back to the sale; wait for it, then buy it again.
    const back = Date.now() + 30_000;
    while ((await api.sale(saleId)).remainingStock < 1 && Date.now() < back)
      await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('the setup could not buy the only unit in 5 attempts');
}
