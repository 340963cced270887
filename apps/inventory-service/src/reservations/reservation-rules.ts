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

/** What a reservation asks of the stock. */
export interface StockRequest {
  readonly orderId: string;
  readonly saleId: string;
  readonly quantity: number;
}

/** A request and whether it got its units. */
export interface Allocation<R extends StockRequest> {
  readonly request: R;
  readonly taken: boolean;
}

/**
 * Decides a chunk of reservations against the stock available per sale, request by request in
 * their order: a request takes its units if they are still there, else it is rejected and a later,
 * smaller request may still fit. The same outcome as one conditional UPDATE per request in that
 * order (`available >= quantity`); never more units than available.
 */
export function allocate<R extends StockRequest>(
  requests: readonly R[],
  available: ReadonlyMap<string, number>,
): Array<Allocation<R>> {
  const left = new Map(available);
  return requests.map((request) => {
    const units = left.get(request.saleId) ?? 0;
    const taken = units >= request.quantity;
    if (taken) left.set(request.saleId, units - request.quantity);
    return { request, taken };
  });
}

export type ReleaseReason = 'PAYMENT_FAILED' | 'ORDER_CANCELLED';
