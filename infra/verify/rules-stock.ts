/**
 * The stock rules, pure over a quiet snapshot: nothing oversold, the per-user limit held, stock
 * conserved inside Redis and inside Postgres, and the two stores agreeing with each other, as
 * totals and order by order.
 */
import type { RedisSale, SaleStockRow, VerifySnapshot } from './snapshot';
import { judged, type RuleResult, type Violation } from './verdict';
import { groupBy, idList, keepsStock, liveInRedis, type SaleView, saleViews, sumOf } from './views';

const units = (n: number) => `${n} unit${n === 1 ? '' : 's'}`;

/**
 * No oversell: in every store that records what an order keeps, the units kept add up to at most
 * the sale's initial stock. Checked in each store on its own, so a store that drifted from the
 * others is still caught (and named).
 */
export function noOversell(snapshot: VerifySnapshot): RuleResult {
  const violations: Violation[] = [];
  let kept = 0;
  let stock = 0;
  for (const view of saleViews(snapshot)) {
    const { sale } = view;
    const readModel = sumOf(
      view.orders.filter((o) => keepsStock(o.status)),
      q,
    );
    kept += readModel;
    stock += sale.stock;
    const byStore: [string, number | null][] = [
      ['Redis (admitted, not restocked)', view.redis ? sumOf(liveInRedis(view.redis), q) : null],
      ['the read model (orders not FAILED/CANCELLED)', readModel],
      ['inventory (RESERVED reservations)', heldInInventory(view)],
      ['payments (CAPTURED)', sumOf(view.payments.filter(is('CAPTURED')), q)],
      ['logistics (CREATED shipments)', sumOf(view.shipments.filter(is('CREATED')), q)],
    ];
    for (const [store, n] of byStore) {
      if (n !== null && n > sale.stock) {
        violations.push({
          subject: `sale ${sale.saleId}`,
          message: `${units(n)} kept in ${store} for a stock of ${sale.stock}`,
        });
      }
    }
  }
  return judged(
    'no-oversell',
    `${snapshot.sales.length} sale(s), ${kept} of ${stock} units kept; within stock in Redis, read model, inventory, payments, shipments`,
    violations,
  );
}

/**
 * The per-user limit: what one buyer holds in a sale (the units of their orders that were not
 * given back) never exceeds the sale's limit, in Redis's buyer count, the read model and inventory.
 * A buyer whose order failed may buy again (the restock lowers their count), so only held units count.
 */
export function perUserLimit(snapshot: VerifySnapshot): RuleResult {
  const violations: Violation[] = [];
  let buyers = 0;
  for (const view of saleViews(snapshot)) {
    const { saleId, perUserLimit: limit } = view.sale;
    const over = (userId: string, store: string, n: number, orderIds: readonly string[]) => {
      if (n <= limit) return;
      violations.push({
        subject: `sale ${saleId} user ${userId}`,
        message: `${units(n)} held in ${store} (limit ${limit})${orderIds.length ? `: orders ${idList(orderIds)}` : ''}`,
      });
    };
    if (view.redis) {
      const live = groupBy(liveInRedis(view.redis), (o) => o.userId);
      for (const [userId, n] of Object.entries(view.redis.buyers)) {
        over(
          userId,
          'Redis (buyers hash)',
          n,
          (live.get(userId) ?? []).map((o) => o.orderId),
        );
      }
    }
    const kept = groupBy(
      view.orders.filter((o) => keepsStock(o.status)),
      (o) => o.userId,
    );
    buyers += kept.size;
    for (const [userId, orders] of kept) {
      over(userId, 'the read model', sumOf(orders, q), orders.map(id));
    }
    const held = groupBy(view.reservations.filter(is('RESERVED')), (r) => r.userId);
    for (const [userId, rows] of held) over(userId, 'inventory', sumOf(rows, q), rows.map(id));
  }
  return judged(
    'per-user-limit',
    `${buyers} buyer(s) holding units; none above the sale's limit in Redis, read model, inventory`,
    violations,
  );
}

/**
 * Stock conservation, in each store by itself:
 *   Redis:    initial stock = remaining + units of admitted orders not restocked, remaining ≥ 0,
 *             and each buyer's count = the units of their orders not restocked;
 *   Postgres: initial = available + reserved − released, available ≥ 0,
 *             reserved − released = the units of RESERVED reservations,
 *             available − initial = Σ inventory_log.delta (the audit trail adds up).
 * A sale missing from a store is the agreement rule's finding, not this one's.
 */
export function stockConserved(snapshot: VerifySnapshot): RuleResult {
  const violations: Violation[] = [];
  for (const view of saleViews(snapshot)) {
    const subject = `sale ${view.sale.saleId}`;
    const found = (message: string) => violations.push({ subject, message });
    if (view.redis?.loaded && view.redis.remaining !== null) {
      redisConservation(view.sale.stock, view.redis, view.redis.remaining).forEach(found);
    }
    if (view.stock) postgresConservation(view.stock, heldInInventory(view)).forEach(found);
  }
  return judged(
    'stock-conserved',
    `${snapshot.sales.length} sale(s): Redis stock = remaining + held; inventory initial = available + held; log adds up`,
    violations,
  );
}

function redisConservation(initial: number, redis: RedisSale, remaining: number): string[] {
  const problems: string[] = [];
  const live = liveInRedis(redis);
  const held = sumOf(live, q);
  if (remaining < 0) problems.push(`Redis stock is negative (${remaining})`);
  if (initial !== remaining + held) {
    problems.push(
      `Redis: stock ${initial} ≠ remaining ${remaining} + ${held} held by admitted orders not restocked (${signed(remaining + held - initial)})`,
    );
  }
  const expected = new Map<string, number>();
  for (const o of live) expected.set(o.userId, (expected.get(o.userId) ?? 0) + o.quantity);
  for (const userId of new Set([...expected.keys(), ...Object.keys(redis.buyers)])) {
    const counted = redis.buyers[userId] ?? 0;
    const owed = expected.get(userId) ?? 0;
    if (counted !== owed) {
      problems.push(`Redis counts ${units(counted)} for user ${userId}, whose orders hold ${owed}`);
    }
  }
  return problems;
}

function postgresConservation(row: SaleStockRow, heldByRows: number): string[] {
  const problems: string[] = [];
  const { initialStock, available, reserved, released, logDelta } = row;
  if (available < 0) problems.push(`inventory: available is negative (${available})`);
  if (initialStock !== available + reserved - released) {
    problems.push(
      `inventory: initial ${initialStock} ≠ available ${available} + reserved ${reserved} − released ${released}`,
    );
  }
  if (reserved - released !== heldByRows) {
    problems.push(
      `inventory: reserved − released = ${reserved - released}, but RESERVED reservations hold ${heldByRows}`,
    );
  }
  if (available - initialStock !== logDelta) {
    problems.push(
      `inventory: available − initial = ${available - initialStock}, but the inventory log sums to ${logDelta}`,
    );
  }
  return problems;
}

/**
 * Redis and Postgres agree: every sale is in both, with the same initial stock and the same
 * units left; the units the read model's orders keep plus what Redis has left make the stock;
 * and order by order the two hold the same units: an order Redis still holds is
 * RESERVED in inventory, and an order Redis gave back holds nothing there. The peers' classic
 * bug (Redis and the database drifting apart after a crash between decrement and send) shows
 * here first, with the orders that drifted.
 */
export function stockAgrees(snapshot: VerifySnapshot): RuleResult {
  const violations: Violation[] = [];
  let leftInRedis = 0;
  let leftInInventory = 0;
  for (const view of saleViews(snapshot)) {
    const { saleId, stock } = view.sale;
    const subject = `sale ${saleId}`;
    const { redis, stock: row } = view;
    leftInRedis += redis?.remaining ?? 0;
    leftInInventory += row?.available ?? 0;
    if (view.sale.flow === 'sync') {
      violations.push(...syncStockAgrees(view));
      continue;
    }
    if (!redis?.loaded || redis.remaining === null) {
      violations.push({ subject, message: 'not in Redis (no meta or stock key)' });
    }
    if (!row) {
      violations.push({
        subject,
        message: 'inventory-service has no stock row (sale.published never applied)',
      });
    } else if (row.initialStock !== stock) {
      violations.push({
        subject,
        message: `initial stock ${stock} in order-service, ${row.initialStock} in inventory`,
      });
    }
    if (redis?.remaining != null && row && redis.remaining !== row.available) {
      violations.push({
        subject,
        message: `Redis has ${units(redis.remaining)} left, inventory ${row.available} (${signed(redis.remaining - row.available)})`,
      });
    }
    if (redis?.remaining != null) {
      // What buyers were promised and what is left to sell add up to the stock.
      const kept = sumOf(
        view.orders.filter((o) => keepsStock(o.status)),
        q,
      );
      if (kept + redis.remaining !== stock) {
        violations.push({
          subject,
          message: `the read model keeps ${units(kept)} and Redis has ${redis.remaining} left: ${kept + redis.remaining} ≠ stock ${stock}`,
        });
      }
    }
    if (redis) violations.push(...orderByOrder(redis, view));
  }
  return judged(
    'stock-agrees',
    `${units(leftInRedis)} left in Redis, ${leftInInventory} in inventory; kept + remaining = stock; orders held in both or neither`,
    violations,
  );
}

/**
 * A sale of the synchronous baseline has one stock, inventory's: it is never in Redis (a key
 * there would mean something loaded it by mistake), and the units the read model keeps plus what
 * inventory has left make the stock.
 */
function syncStockAgrees(view: SaleView): Violation[] {
  const { saleId, stock } = view.sale;
  const subject = `sale ${saleId}`;
  const violations: Violation[] = [];
  if (view.redis?.loaded) {
    violations.push({ subject, message: 'a sync-flow sale, yet loaded into Redis' });
  }
  if (!view.stock) {
    violations.push({
      subject,
      message: 'inventory-service has no stock row (sale.published never applied)',
    });
    return violations;
  }
  if (view.stock.initialStock !== stock) {
    violations.push({
      subject,
      message: `initial stock ${stock} in order-service, ${view.stock.initialStock} in inventory`,
    });
  }
  const kept = sumOf(
    view.orders.filter((o) => keepsStock(o.status)),
    q,
  );
  if (kept + view.stock.available !== stock) {
    violations.push({
      subject,
      message: `the read model keeps ${units(kept)} and inventory has ${view.stock.available} left: ${kept + view.stock.available} ≠ stock ${stock}`,
    });
  }
  return violations;
}

function orderByOrder(redis: RedisSale, view: SaleView): Violation[] {
  const violations: Violation[] = [];
  const reservations = new Map(view.reservations.map((r) => [r.orderId, r]));
  const restocked = new Set(redis.restocked);
  for (const order of redis.admitted) {
    const reservation = reservations.get(order.orderId);
    const inRedis = !restocked.has(order.orderId);
    const inInventory = reservation?.status === 'RESERVED';
    if (inRedis && !inInventory) {
      violations.push({
        subject: `order ${order.orderId}`,
        message: `Redis still holds its ${units(order.quantity)}, inventory ${reservation ? `has it ${reservation.status}` : 'has no reservation'} (never restocked)`,
      });
    } else if (!inRedis && inInventory) {
      violations.push({
        subject: `order ${order.orderId}`,
        message: `Redis gave its ${units(order.quantity)} back, inventory still holds ${reservation.quantity} (RESERVED)`,
      });
    }
  }
  return violations;
}

function heldInInventory(view: SaleView): number {
  return sumOf(view.reservations.filter(is('RESERVED')), q);
}

const q = (row: { readonly quantity: number }) => row.quantity;
const id = (row: { readonly orderId: string }) => row.orderId;
const is =
  (status: string) =>
  (row: { readonly status: string }): boolean =>
    row.status === status;
const signed = (n: number) => (n > 0 ? `+${n}` : String(n));
