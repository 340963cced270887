import {
  isTerminalOrderStatus,
  type OrderHistoryStatus,
  type OrderStatus,
} from '@seckill/contracts';

/**
 * The order's state machine, pure. Events of one order arrive out of order across topics
 * (shipment.created may overtake inventory.reserved; order.created may come last), so it does
 * not check for "allowed transitions": each event names the status it implies, and the order
 * takes it only if it is ahead of where the order is. Every event is recorded in the history
 * either way.
 *
 *   PENDING(0) → RESERVED(1) → PAID(2) → SHIPPED(3)         the happy path, by rank
 *   FAILED(4)     inventory rejected, or the payment failed   terminal
 *   CANCELLED(4)  unpaid deadline                             terminal
 *
 * Terminal statuses (SHIPPED, FAILED, CANCELLED) never change: the first one reached stands.
 * So a payment that succeeds after the deadline cancelled the order leaves it CANCELLED (its
 * refund shows in the history as REFUNDED), and a late inventory.reserved never "un-ships".
 */
export const LIFECYCLE_STATUSES = [
  'PENDING',
  'RESERVED',
  'PAID',
  'SHIPPED',
  'FAILED',
  'CANCELLED',
] as const satisfies readonly OrderStatus[];
export type LifecycleStatus = (typeof LIFECYCLE_STATUSES)[number];

const RANK: Record<LifecycleStatus, number> = {
  PENDING: 0,
  RESERVED: 1,
  PAID: 2,
  SHIPPED: 3,
  FAILED: 4,
  CANCELLED: 4,
};

export function isLifecycleStatus(value: string): value is LifecycleStatus {
  return (LIFECYCLE_STATUSES as readonly string[]).includes(value);
}

export function isTerminal(status: LifecycleStatus): boolean {
  return isTerminalOrderStatus(status);
}

/** The lifecycle events order-service consumes, as the state machine sees them. */
export type LifecycleFact =
  | { readonly type: 'order.created' }
  | { readonly type: 'inventory.reserved' }
  | { readonly type: 'inventory.rejected' }
  | { readonly type: 'inventory.released'; readonly reason: 'PAYMENT_FAILED' | 'ORDER_CANCELLED' }
  | { readonly type: 'payment.succeeded' }
  | { readonly type: 'payment.failed' }
  | { readonly type: 'payment.refunded' }
  | { readonly type: 'shipment.created' }
  | { readonly type: 'order.cancelled' };

export type LifecycleEventType = LifecycleFact['type'];

export interface EventEffect {
  /** The status the event implies for the order. */
  readonly target: LifecycleStatus;
  /** What the history records for it. */
  readonly label: OrderHistoryStatus;
}

/** What an event means for the order. */
export function effectOf(fact: LifecycleFact): EventEffect {
  switch (fact.type) {
    case 'order.created':
      return same('PENDING');
    case 'inventory.reserved':
      return same('RESERVED');
    case 'inventory.rejected':
    case 'payment.failed':
      return same('FAILED');
    case 'inventory.released':
      // Stock is released after a failed payment or a cancellation: it may overtake either.
      return same(fact.reason === 'PAYMENT_FAILED' ? 'FAILED' : 'CANCELLED');
    case 'payment.succeeded':
      return same('PAID');
    case 'payment.refunded':
      // Only a payment that arrived for a cancelled order is refunded.
      return { target: 'CANCELLED', label: 'REFUNDED' };
    case 'shipment.created':
      return same('SHIPPED');
    case 'order.cancelled':
      return same('CANCELLED');
  }
}

function same(status: LifecycleStatus): EventEffect {
  return { target: status, label: status };
}

export interface Transition {
  readonly status: LifecycleStatus;
  /** Whether the status changed. */
  readonly moved: boolean;
  readonly label: OrderHistoryStatus;
}

/** Where an order in `current` goes on `fact`: forward, or nowhere. */
export function transition(current: LifecycleStatus, fact: LifecycleFact): Transition {
  const { target, label } = effectOf(fact);
  const moved = !isTerminal(current) && RANK[target] > RANK[current];
  return { status: moved ? target : current, moved, label };
}

/** The status after `facts`, in the order given, starting from a new (PENDING) order. */
export function fold(facts: readonly LifecycleFact[]): LifecycleStatus {
  return facts.reduce<LifecycleStatus>(
    (status, fact) => transition(status, fact).status,
    'PENDING',
  );
}
