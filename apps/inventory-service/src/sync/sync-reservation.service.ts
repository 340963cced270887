import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { SyncCompensationRequest, SyncReserveRequest } from '@seckill/contracts';
import { ServiceLogger } from '@seckill/observability';
import { InventoryDatabase, type InventoryTransaction } from '../database';
import { releaseReserved } from '../reservations/release-reserved';
import {
  decideReservation,
  type KnownReservation,
  type Refusal,
  type ReserveDecision,
} from './sync-reservation-rules';

export type ReserveOutcome =
  { readonly kind: 'reserved'; readonly reservationId: string } | Refusal;

export type ReleaseOutcome = 'released' | 'tombstone' | 'nothing';

/** Why a sync order's units went back: the caller's compensation (its chain failed later on). */
export const SYNC_RELEASE_REASON = 'SYNC_COMPENSATION';

/**
 * The sale and buyer of a tombstone whose release call did not name them (its body is read
 * leniently): the row still holds the order id (quantity 0, no stock moved), but the verifier,
 * which reads reservations by sale, does not see it.
 */
export const UNKNOWN = '';

/** A decision other than "reserve" is the answer as it is (a repeat gets its reservation id). */
function answerOf(decision: Exclude<ReserveDecision, { kind: 'reserve' }>): ReserveOutcome {
  return decision.kind === 'replay'
    ? { kind: 'reserved', reservationId: decision.reservationId }
    : decision;
}

/**
 * A reserve transaction holds the sale's row lock for a few statements; under a crowd it waits
 * behind every other buyer of the sale (and for a pooled connection before that).
 */
const TRANSACTION = { maxWait: 10_000, timeout: 15_000 };

/**
 * The synchronous baseline's stock (ADR 0012): a reservation and its compensation as one
 * PostgreSQL transaction each, answered to the caller at once. They write the rows the
 * event-driven consumers write (a reservation per order, `sale_stock`, `inventory_log` with a
 * fresh id where the event id would be), so the verifier judges both designs alike, and never an
 * outbox row: no event of the saga may ever concern a sync order.
 */
@Injectable()
export class SyncReservationService {
  private readonly logger: ServiceLogger;

  constructor(
    private readonly db: InventoryDatabase,
    logger: ServiceLogger,
  ) {
    this.logger = logger.child({ component: 'sync-reservations' });
  }

  /**
   * Takes the order's units under the sale's row lock (`SELECT … FOR UPDATE`): every buyer of
   * the sale waits for the one before to commit. That hot-row contention is the baseline's
   * bottleneck, the one the event-driven design removes by admitting in Redis; it is also what
   * makes the checks below exact (no one else changes the stock or the buyer's rows meanwhile),
   * so the baseline cannot oversell. Idempotent on the order id. A refusal writes nothing.
   */
  async reserve(request: SyncReserveRequest): Promise<ReserveOutcome> {
    const { orderId, saleId, quantity } = request;
    const outcome = await this.db.$transaction(async (tx): Promise<ReserveOutcome> => {
      const available = await this.lockStock(tx, saleId);
      const decision = decideReservation(request, {
        available,
        rows: await this.knownRows(tx, request),
      });
      if (decision.kind !== 'reserve') return answerOf(decision);
      const reservationId = randomUUID();
      if (await this.claim(tx, request, reservationId)) return { kind: 'reserved', reservationId };
      // A row committed without the sale's lock since the read: a release's tombstone for the
      // order (the release does not know the sale). Decided again with it.
      const again = decideReservation(request, {
        available,
        rows: await this.knownRows(tx, request),
      });
      if (again.kind === 'reserve') {
        throw new Error(`reservation of order ${orderId} neither inserted nor conflicting`);
      }
      return answerOf(again);
    }, TRANSACTION);

    if (outcome.kind === 'refused') {
      this.logger.debug({ orderId, saleId, code: outcome.code }, 'sync reservation refused');
    } else {
      this.logger.debug({ orderId, saleId, quantity }, 'sync reservation');
    }
    return outcome;
  }

  /**
   * Gives the order's units back, once (a compensation): RESERVED → RELEASED with the stock; an
   * order never reserved gets a RELEASED tombstone with quantity 0, as the event path writes for a
   * release that overtakes its order, so a late reserve of that order id is refused; an order
   * already released or rejected is left as it is.
   */
  async release(orderId: string, about: SyncCompensationRequest = {}): Promise<ReleaseOutcome> {
    const saleId = about.saleId ?? UNKNOWN;
    const outcome = await this.db.$transaction(async (tx): Promise<ReleaseOutcome> => {
      if (await releaseReserved(tx, orderId, SYNC_RELEASE_REASON, randomUUID())) return 'released';
      const tombstone = await tx.reservation.createMany({
        data: [
          {
            orderId,
            reservationId: randomUUID(),
            saleId,
            userId: about.userId ?? UNKNOWN,
            quantity: 0,
            status: 'RELEASED',
            reason: SYNC_RELEASE_REASON,
          },
        ],
        skipDuplicates: true,
      });
      if (tombstone.count === 1) {
        await tx.inventoryLog.create({
          data: { orderId, saleId, delta: 0, kind: 'RELEASE', eventId: randomUUID() },
        });
        return 'tombstone';
      }
      // The insert waited for a reserve of the order that committed meanwhile: release that.
      return (await releaseReserved(tx, orderId, SYNC_RELEASE_REASON, randomUUID()))
        ? 'released'
        : 'nothing';
    }, TRANSACTION);
    const messages = {
      released: 'sync reservation released',
      tombstone: 'sync release before any reservation: tombstone recorded, no stock taken',
      nothing: 'sync release: nothing held',
    };
    this.logger.info({ orderId, outcome }, messages[outcome]);
    return outcome;
  }

  /** The sale's available units, its row locked until the commit; null: no such sale. */
  private async lockStock(tx: InventoryTransaction, saleId: string): Promise<number | null> {
    const [row] = await tx.$queryRaw<{ available: number }[]>`
      SELECT available FROM sale_stock WHERE sale_id = ${saleId} FOR UPDATE`;
    return row?.available ?? null;
  }

  /**
   * The order's row and the buyer's rows in the sale that hold units or carry the key: a
   * statement of its own after the lock, so it sees what the previous lock holder committed.
   */
  private async knownRows(
    tx: InventoryTransaction,
    { orderId, saleId, userId, idempotencyKey }: SyncReserveRequest,
  ): Promise<KnownReservation[]> {
    const rows = await tx.$queryRaw<
      Array<{
        order_id: string;
        reservation_id: string;
        sale_id: string;
        user_id: string;
        quantity: number;
        status: KnownReservation['status'];
        idempotency_key: string | null;
        reason: string | null;
      }>
    >`
      SELECT order_id, reservation_id::text AS reservation_id, sale_id, user_id, quantity,
             status::text AS status, idempotency_key, reason
      FROM reservations
      WHERE order_id = ${orderId}
         OR (sale_id = ${saleId} AND user_id = ${userId}
             AND (status = 'RESERVED' OR idempotency_key = ${idempotencyKey}))`;
    return rows.map((row) => ({
      orderId: row.order_id,
      reservationId: row.reservation_id,
      saleId: row.sale_id,
      userId: row.user_id,
      quantity: row.quantity,
      status: row.status,
      idempotencyKey: row.idempotency_key,
      reason: row.reason,
    }));
  }

  /**
   * The reservation, the stock and the log row in one statement; false when the insert hit a
   * row of the order or of its idempotency key (nothing is written then).
   */
  private async claim(
    tx: InventoryTransaction,
    { orderId, saleId, userId, quantity, idempotencyKey }: SyncReserveRequest,
    reservationId: string,
  ): Promise<boolean> {
    const logged = await tx.$queryRaw<{ id: bigint }[]>`
      WITH claimed AS (
        INSERT INTO reservations
          (order_id, reservation_id, sale_id, user_id, quantity, status, idempotency_key)
        VALUES (${orderId}, ${reservationId}::uuid, ${saleId}, ${userId}, ${quantity},
                'RESERVED', ${idempotencyKey})
        ON CONFLICT DO NOTHING
        RETURNING order_id, sale_id, quantity
      ),
      stock AS (
        UPDATE sale_stock s
        SET available = s.available - c.quantity, reserved = s.reserved + c.quantity,
            updated_at = now()
        FROM claimed c
        WHERE s.sale_id = c.sale_id
      )
      INSERT INTO inventory_log (order_id, sale_id, delta, kind, event_id)
      SELECT order_id, sale_id, -quantity, 'RESERVE', ${randomUUID()}::uuid FROM claimed
      RETURNING id`;
    return logged.length === 1;
  }
}
