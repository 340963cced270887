/**
 * The pure rules of a synchronous reservation (the baseline of ADR 0012), kept apart from the SQL
 * so they can be unit-tested: what a reserve call gets, given what the sale's row lock lets it see.
 */
import { ProblemCode, type SyncReserveRequest } from '@seckill/contracts';

/**
 * The code of a 409 for an order that was already settled otherwise (released, rejected): the
 * kit's own code for a 409, as the contract names no more specific one.
 */
export const ORDER_SETTLED = 'CONFLICT';

/** A reservation row of the buyer in the sale, or the order's own row. */
export interface KnownReservation {
  readonly orderId: string;
  readonly reservationId: string;
  readonly saleId: string;
  readonly userId: string;
  readonly quantity: number;
  readonly status: 'RESERVED' | 'RELEASED' | 'REJECTED';
  readonly idempotencyKey: string | null;
  readonly reason: string | null;
}

/** What the reserve call sees once it holds the sale's row lock. */
export interface ReserveState {
  /** Units nobody holds; null when the sale has no stock row. */
  readonly available: number | null;
  /**
   * The order's own row, and the buyer's rows in the sale that hold units or carry the request's
   * idempotency key.
   */
  readonly rows: readonly KnownReservation[];
}

export type Refusal = {
  readonly kind: 'refused';
  readonly status: 404 | 409;
  readonly code: string;
  readonly detail: string;
};

export type ReserveDecision =
  | { readonly kind: 'reserve' }
  /** The order was reserved by an earlier call: the same answer again. */
  | { readonly kind: 'replay'; readonly reservationId: string }
  | Refusal;

const refuse = (status: 404 | 409, code: string, detail: string): Refusal => ({
  kind: 'refused',
  status,
  code,
  detail,
});

/**
 * Decides a reserve call, in this order: an unknown sale; the order's own earlier outcome (a
 * retried call gets the first answer; a released or rejected order is never reserved again, so a
 * compensation that overtook its reservation wins); the idempotency key of another order; the
 * buyer's limit; the stock.
 */
export function decideReservation(
  request: SyncReserveRequest,
  { available, rows }: ReserveState,
): ReserveDecision {
  const { orderId, saleId, userId, quantity, perUserLimit, idempotencyKey } = request;
  if (available === null) {
    return refuse(404, ProblemCode.SaleNotFound, `Sale ${saleId} has no stock.`);
  }
  const own = rows.find((row) => row.orderId === orderId);
  if (own) {
    if (own.status !== 'RESERVED') {
      const why = own.reason ? ` (${own.reason})` : '';
      return refuse(409, ORDER_SETTLED, `Order ${orderId} is already ${own.status}${why}.`);
    }
    if (own.saleId !== saleId || own.userId !== userId || own.quantity !== quantity) {
      return refuse(
        409,
        ProblemCode.IdempotencyKeyReused,
        `Order ${orderId} was reserved with another sale, buyer or quantity.`,
      );
    }
    return { kind: 'replay', reservationId: own.reservationId };
  }
  const keyHolder = rows.find(
    (row) =>
      row.saleId === saleId && row.userId === userId && row.idempotencyKey === idempotencyKey,
  );
  if (keyHolder) {
    return refuse(
      409,
      ProblemCode.IdempotencyKeyReused,
      `Idempotency key ${idempotencyKey} already belongs to order ${keyHolder.orderId}.`,
    );
  }
  const held = rows
    .filter((row) => row.status === 'RESERVED' && row.saleId === saleId && row.userId === userId)
    .reduce((sum, row) => sum + row.quantity, 0);
  if (held + quantity > perUserLimit) {
    return refuse(
      409,
      ProblemCode.LimitReached,
      `User ${userId} holds ${held} of the ${perUserLimit} units a buyer may have in sale ${saleId}.`,
    );
  }
  if (available === 0) return refuse(409, ProblemCode.SoldOut, `Sale ${saleId} is sold out.`);
  if (available < quantity) {
    return refuse(
      409,
      ProblemCode.InsufficientStock,
      `Sale ${saleId} has ${available} units left, fewer than the ${quantity} asked for.`,
    );
  }
  return { kind: 'reserve' };
}
