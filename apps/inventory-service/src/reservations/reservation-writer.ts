import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InventoryRejectedV1, InventoryReservedV1 } from '@seckill/contracts';
import { type ChunkWriter, NonRetriableError, type Outbox, RetriableError } from '@seckill/kafka';
import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import type { InventoryTransaction } from '../database';
import { type Allocation, allocate, amountCents, type StockRequest } from './reservation-rules';

/** What `order.created` asks for: the order's units of its sale. */
export interface ReservationRequest extends StockRequest {
  readonly eventId: string;
  readonly userId: string;
  readonly idempotencyKey: string;
  readonly priceCents: number;
}

/** A request with the reservation id its claim inserts. */
interface Claim extends ReservationRequest {
  readonly reservationId: string;
}

const REJECT_REASON = 'OUT_OF_STOCK';

/**
 * Reserves the orders the handlers of one consumer transaction staged, in three statements
 * whatever their number (a statement per event cost about 1 ms of CPU in the service and as much
 * again in PostgreSQL):
 *   1. lock the chunk's sales (`sale_stock … FOR UPDATE`, in sale order) and read what is
 *      available: until the commit no other transaction changes it;
 *   2. claim the orders: one INSERT of their reservation rows ON CONFLICT DO NOTHING. The primary
 *      key (order id) makes every later decision for an order see this one; a tombstone left by
 *      a release that overtook the order makes its claim fail, so nothing is reserved;
 *   3. decide in memory, order by order in event order, exactly as one statement per event would
 *      (`allocate`: an order takes its units if they are still there), and write it at once: the
 *      stock, the log rows, the rejected rows.
 * Then `inventory.reserved` per reserved order, `inventory.rejected` per rejected one. Order-service
 * admitted the order against Redis, so a rejection means Redis and PostgreSQL disagree: it is
 * counted and logged as a mismatch.
 *
 * A sale with no stock row yet is not a rejection: `sale.published` travels on another topic and
 * can arrive after the sale's first orders. The write fails with a retriable error, so the chunk
 * is applied event by event and only that sale's orders are retried (retry topics, 1 s / 5 s /
 * 30 s; if the sale never comes, the dead-letter topic).
 */
@Injectable()
export class ReservationWriter implements ChunkWriter<ReservationRequest, InventoryTransaction> {
  private readonly logger: ServiceLogger;
  private readonly mismatches;

  constructor(logger: ServiceLogger, metrics: MetricsRegistry) {
    this.logger = logger.child({ component: 'reservation-writer' });
    this.mismatches = metrics.counter(
      'seckill_inventory_mismatch_total',
      'Orders admitted against Redis that PostgreSQL could not reserve (Redis/DB mismatch)',
      ['reason'],
    );
  }

  async write(
    tx: InventoryTransaction,
    rows: readonly ReservationRequest[],
    outbox: Outbox,
  ): Promise<void> {
    if (rows.length === 0) return;
    const available = await this.lockStock(tx, rows);
    const claims = rows.map((row) => ({ ...row, reservationId: randomUUID() }));
    const claimed = await this.claim(tx, claims);
    // An order repeated in the chunk is claimed by its first request only.
    const fresh = claims.filter((c) => claimed.has(c.reservationId));
    const unstocked = fresh.find((c) => !available.has(c.saleId));
    if (unstocked) {
      // Rolls the claims back with the transaction: the retry starts from scratch.
      throw new RetriableError(
        `sale ${unstocked.saleId} has no stock row yet (sale.published not applied)`,
      );
    }
    const decided = allocate(fresh, available);
    await this.apply(tx, decided);

    for (const { request, taken } of decided) {
      const { orderId, saleId, userId, quantity, eventId, reservationId } = request;
      if (taken) {
        outbox.add(InventoryReservedV1, {
          orderId,
          saleId,
          userId,
          quantity,
          reservationId,
          amountCents: amountCents(request.priceCents, quantity),
        });
        this.logger.debug({ eventId, orderId, saleId, quantity }, 'stock reserved');
        continue;
      }
      outbox.add(InventoryRejectedV1, { orderId, saleId, userId, quantity, reason: REJECT_REASON });
      // Counted inside the transaction: a rolled-back attempt that is retried counts again. Rare
      // enough (a database error after this line) for an alerting counter.
      this.mismatches.inc({ reason: REJECT_REASON });
      this.logger.warn(
        { eventId, orderId, saleId, quantity, reason: REJECT_REASON },
        'order admitted by Redis but not reservable in PostgreSQL (Redis/DB mismatch)',
      );
    }
    for (const claim of claims) {
      if (!claimed.has(claim.reservationId)) await this.alreadyDecided(tx, claim);
    }
  }

  /** Statement 1: the chunk's sales, locked, and what each has available. */
  private async lockStock(
    tx: InventoryTransaction,
    rows: readonly ReservationRequest[],
  ): Promise<Map<string, number>> {
    const sales = [...new Set(rows.map((row) => row.saleId))];
    const stock = await tx.$queryRaw<{ sale_id: string; available: number }[]>`
      SELECT sale_id, available FROM sale_stock
      WHERE sale_id = ANY(${sales}::text[])
      ORDER BY sale_id
      FOR UPDATE`;
    return new Map(stock.map((s) => [s.sale_id, s.available]));
  }

  /** Statement 2: the claims; resolves with the reservation ids it inserted. */
  private async claim(tx: InventoryTransaction, claims: readonly Claim[]): Promise<Set<string>> {
    const column = <T>(pick: (claim: Claim) => T) => claims.map(pick);
    const inserted = await tx.$queryRaw<{ reservation_id: string }[]>`
      INSERT INTO reservations
        (order_id, reservation_id, sale_id, user_id, quantity, status, idempotency_key)
      SELECT order_id, reservation_id, sale_id, user_id, quantity, 'RESERVED', idempotency_key
      FROM unnest(
        ${column((c) => c.orderId)}::text[],
        ${column((c) => c.reservationId)}::uuid[],
        ${column((c) => c.saleId)}::text[],
        ${column((c) => c.userId)}::text[],
        ${column((c) => c.quantity)}::int[],
        ${column((c) => c.idempotencyKey)}::text[]
      ) WITH ORDINALITY AS r(order_id, reservation_id, sale_id, user_id, quantity,
                             idempotency_key, n)
      ORDER BY n
      ON CONFLICT DO NOTHING
      RETURNING reservation_id::text AS reservation_id`;
    return new Set(inserted.map((row) => row.reservation_id));
  }

  /** Statement 3: the units taken per sale, a log row per decision, the rejected rows marked. */
  private async apply(
    tx: InventoryTransaction,
    decided: ReadonlyArray<Allocation<Claim>>,
  ): Promise<void> {
    if (decided.length === 0) return;
    const column = <T>(pick: (claim: Claim, taken: boolean) => T) =>
      decided.map(({ request, taken }) => pick(request, taken));
    await tx.$executeRaw`
      WITH decided AS (
        SELECT * FROM unnest(
          ${column((c) => c.orderId)}::text[],
          ${column((c) => c.saleId)}::text[],
          ${column((c) => c.quantity)}::int[],
          ${column((_, taken) => taken)}::boolean[],
          ${column((c) => c.eventId)}::uuid[]
        ) WITH ORDINALITY AS d(order_id, sale_id, quantity, taken, event_id, n)
      ),
      stock AS (
        UPDATE sale_stock s
        SET available = s.available - t.units, reserved = s.reserved + t.units, updated_at = now()
        FROM (SELECT sale_id, sum(quantity)::int AS units FROM decided WHERE taken GROUP BY sale_id) t
        WHERE s.sale_id = t.sale_id
      ),
      rejected AS (
        UPDATE reservations r
        SET status = 'REJECTED', reason = ${REJECT_REASON}, updated_at = now()
        FROM decided d
        WHERE r.order_id = d.order_id AND NOT d.taken
      )
      INSERT INTO inventory_log (order_id, sale_id, delta, kind, event_id)
      SELECT order_id, sale_id,
             CASE WHEN taken THEN -quantity ELSE 0 END,
             (CASE WHEN taken THEN 'RESERVE' ELSE 'REJECT' END)::inventory_log_kind,
             event_id
      FROM decided
      ORDER BY n`;
  }

  /** The order already has a row (or its idempotency key belongs to another order). */
  private async alreadyDecided(tx: InventoryTransaction, row: ReservationRequest): Promise<void> {
    const { eventId, orderId, saleId, userId, idempotencyKey } = row;
    const existing = await tx.reservation.findUnique({ where: { orderId } });
    if (existing) {
      // A tombstone (cancelled before it was reserved: its release already went out), the
      // order's decision from an earlier event, or from an earlier event of this chunk: either
      // way, nothing more to do.
      this.logger.info(
        { eventId, orderId, status: existing.status, tombstone: existing.quantity === 0 },
        'order already decided; order.created ignored',
      );
      return;
    }
    // Another order of the same user and sale carries this idempotency key: order-service
    // admitted one client request twice. Taking stock again would oversell the buyer's limit;
    // rejecting would guess. An operator decides (dead-letter topic, with this reason).
    throw new NonRetriableError(
      `idempotency key of order ${orderId} (sale ${saleId}, user ${userId}) already reserved another order: ${idempotencyKey}`,
      'DUPLICATE_IDEMPOTENCY_KEY',
    );
  }
}
