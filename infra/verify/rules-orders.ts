/**
 * The order rules, pure over a quiet snapshot: every accepted order reached a terminal state,
 * each service's effect matches that state, and no effect happened twice (or without an order).
 */
import type { VerifySnapshot } from './snapshot';
import { judged, type RuleResult, type Violation } from './verdict';
import { admittedIds, firstBy, groupBy, idList, isTerminal, keepsStock } from './views';

/**
 * No lost order: every order the admission script accepted (a 202; Redis's orders hash keeps them
 * all) is in order-service's read model, and every order there is terminal (SHIPPED, FAILED,
 * CANCELLED). Runs once the shop is quiet: nothing is in flight, so a non-terminal order is stuck
 * (only the unpaid-deadline sweeper, minutes later, could still move it).
 */
export function ordersTerminal(snapshot: VerifySnapshot): RuleResult {
  const violations: Violation[] = [];
  const readModel = firstBy(snapshot.orders, (o) => o.orderId);
  for (const sale of snapshot.redis) {
    for (const orderId of sale.unreadable) {
      violations.push({
        subject: `order ${orderId}`,
        message: `its summary in Redis ({sale:${sale.saleId}}:orders) cannot be read`,
      });
    }
    for (const { orderId } of sale.admitted) {
      if (!readModel.has(orderId)) {
        violations.push({
          subject: `order ${orderId}`,
          message: 'accepted (202, in Redis) but not in the read model: lost',
        });
      }
    }
  }
  for (const order of readModel.values()) {
    if (!isTerminal(order.status)) {
      violations.push({
        subject: `order ${order.orderId}`,
        message: `${order.status}, not terminal`,
      });
    }
  }
  const byStatus = groupBy([...readModel.values()], (o) => o.status);
  const counts = [...byStatus].map(([status, rows]) => `${status} ${rows.length}`).join(', ');
  return judged(
    'orders-terminal',
    `${admittedIds(snapshot).size} accepted, ${readModel.size} in the read model${counts ? `: ${counts}` : ''}`,
    violations,
  );
}

/**
 * Each service's effect matches the order's terminal status (no lost and no extra effect):
 *   SHIPPED           reservation RESERVED, payment CAPTURED, provider charge SUCCEEDED,
 *                     shipment CREATED;
 *   FAILED/CANCELLED  its stock released (reservation not RESERVED), no money kept (payment
 *                     neither CAPTURED nor PENDING, charge not SUCCEEDED: refunded if it was
 *                     taken), no live shipment.
 * Non-terminal orders are the terminal rule's finding and are skipped here.
 */
export function effectsMatchStatus(snapshot: VerifySnapshot): RuleResult {
  const violations: Violation[] = [];
  const reservations = firstBy(snapshot.reservations, (r) => r.orderId);
  const payments = firstBy(snapshot.payments, (p) => p.orderId);
  const charges = firstBy(snapshot.charges, (c) => c.idempotencyKey);
  const shipments = firstBy(snapshot.shipments, (s) => s.orderId);
  let judgedOrders = 0;
  for (const order of firstBy(snapshot.orders, (o) => o.orderId).values()) {
    if (!isTerminal(order.status)) continue;
    judgedOrders += 1;
    const reservation = reservations.get(order.orderId)?.status ?? 'none';
    const payment = payments.get(order.orderId)?.status ?? 'none';
    const charge = charges.get(order.orderId)?.status ?? 'none';
    const shipment = shipments.get(order.orderId)?.status ?? 'none';
    const problems: string[] = [];
    if (keepsStock(order.status)) {
      if (reservation !== 'RESERVED') problems.push(`reservation ${reservation}`);
      if (payment !== 'CAPTURED') problems.push(`payment ${payment}`);
      if (charge !== 'SUCCEEDED') problems.push(`provider charge ${charge}`);
      if (shipment !== 'CREATED') problems.push(`shipment ${shipment}`);
    } else {
      if (reservation === 'RESERVED') problems.push('reservation still RESERVED');
      if (payment === 'CAPTURED' || payment === 'PENDING') problems.push(`payment ${payment}`);
      if (charge === 'SUCCEEDED') problems.push('provider charge SUCCEEDED (never refunded)');
      if (shipment === 'CREATED') problems.push('shipment CREATED');
    }
    if (problems.length > 0) {
      violations.push({
        subject: `order ${order.orderId}`,
        message: `${order.status}, but ${problems.join(', ')}`,
      });
    }
  }
  return judged(
    'effects-match-status',
    `${judgedOrders} terminal orders; each service's effect matches the status`,
    violations,
  );
}

/**
 * No double effect: one row per order (or per key the schemas make unique) in every service,
 * found in the data itself rather than trusted to the constraints (a migration can lose one),
 * and no effect for an order the admission script never accepted (e.g. an `order.created`
 * published twice under new order ids). Refunds and compensations are counted through the
 * audit tables: one `payment.refunded` per order in the read model's history, one RELEASE per
 * order in the inventory log.
 */
export function noDuplicateEffect(snapshot: VerifySnapshot): RuleResult {
  const violations: Violation[] = [];
  const findDuplicates = <T>(
    what: string,
    rows: readonly T[],
    key: (row: T) => string | null,
    orderId: (row: T) => string,
  ) => {
    const keyed = rows.filter((row) => key(row) !== null);
    for (const [k, group] of groupBy(keyed, (row) => key(row) ?? '')) {
      if (group.length < 2) continue;
      const ids = [...new Set(group.map(orderId))];
      violations.push({
        subject: `order ${ids[0]}`,
        message: `${group.length} rows in ${what} for ${k}${ids.length > 1 ? `: orders ${idList(ids)}` : ''}`,
      });
    }
  };
  const purchase = (r: { saleId: string; userId: string; idempotencyKey: string | null }) =>
    r.idempotencyKey === null
      ? null
      : `(sale, user, Idempotency-Key) = (${r.saleId}, ${r.userId}, ${r.idempotencyKey})`;
  const byOrder = (r: { orderId: string }) => `order_id ${r.orderId}`;
  const orderOf = (r: { orderId: string }) => r.orderId;
  findDuplicates('orders', snapshot.orders, byOrder, orderOf);
  findDuplicates('orders', snapshot.orders, purchase, orderOf);
  findDuplicates('reservations', snapshot.reservations, byOrder, orderOf);
  findDuplicates('reservations', snapshot.reservations, purchase, orderOf);
  findDuplicates('payments', snapshot.payments, byOrder, orderOf);
  findDuplicates(
    'provider_charges',
    snapshot.charges,
    (c) => `idempotency_key ${c.idempotencyKey}`,
    (c) => c.idempotencyKey,
  );
  findDuplicates('shipments', snapshot.shipments, byOrder, orderOf);
  findDuplicates(
    'shipments',
    snapshot.shipments,
    (s) => (s.trackingNumber === null ? null : `tracking_number ${s.trackingNumber}`),
    orderOf,
  );
  for (const duplicate of snapshot.auditDuplicates) {
    violations.push({
      subject: `order ${duplicate.orderId}`,
      message: `${duplicate.rows} rows in ${duplicate.table} for ${duplicate.key}`,
    });
  }
  violations.push(...effectsWithoutAdmission(snapshot));
  return judged(
    'no-duplicate-effect',
    'nothing twice in orders, reservations, payments, charges, shipments, history, inventory log, notifications',
    violations,
  );
}

/** Rows of sales Redis knows, for orders Redis never admitted. */
function effectsWithoutAdmission(snapshot: VerifySnapshot): Violation[] {
  const known = new Set(snapshot.redis.filter((s) => s.loaded).map((s) => s.saleId));
  const admitted = admittedIds(snapshot);
  const tablesOf = new Map<string, string[]>();
  const look = (table: string, rows: readonly { orderId: string; saleId: string }[]) => {
    for (const { orderId, saleId } of rows) {
      if (!known.has(saleId) || admitted.has(orderId)) continue;
      const tables = tablesOf.get(orderId) ?? [];
      if (!tables.includes(table)) tables.push(table);
      tablesOf.set(orderId, tables);
    }
  };
  look('orders', snapshot.orders);
  look('reservations', snapshot.reservations);
  look('payments', snapshot.payments);
  look('shipments', snapshot.shipments);
  return [...tablesOf].map(([orderId, tables]) => ({
    subject: `order ${orderId}`,
    message: `in ${tables.join(', ')} but never admitted in Redis (an order.created published with a new id?)`,
  }));
}
