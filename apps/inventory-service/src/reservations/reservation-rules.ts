/**
 * The pure rules of a reservation, kept apart from the SQL so they can be unit-tested.
 */

/** What the buyer owes for a reservation: the price order-service quoted, times the units. */
export function amountCents(priceCents: number, quantity: number): number {
  const amount = priceCents * quantity;
  // Money stays in integer cents end to end; a non-integer here is a contract bug upstream.
  if (!Number.isSafeInteger(amount) || amount < 0) {
    throw new RangeError(`invalid amount: ${priceCents} cents x ${quantity}`);
  }
  return amount;
}

export type ReleaseReason = 'PAYMENT_FAILED' | 'ORDER_CANCELLED';
