import { Injectable } from '@nestjs/common';
import { type ChunkWriter, NonRetriableError } from '@seckill/kafka';
import { ServiceLogger } from '@seckill/observability';
import type { OrderTransaction } from '../database';
import {
  isLifecycleStatus,
  type LifecycleFact,
  type LifecycleStatus,
  transition,
  type Transition,
} from './order-state';

/** The fields every lifecycle event carries (`orderRef` in libs/contracts). */
export interface OrderRef {
  readonly orderId: string;
  readonly saleId: string;
  readonly userId: string;
  readonly quantity: number;
}

/** One consumed event, as the read model needs it. */
export interface OrderEventInput {
  readonly eventId: string;
  readonly occurredAt: string;
  readonly fact: LifecycleFact;
  readonly order: OrderRef;
  /** order.created only. */
  readonly created?: {
    readonly acceptedAt: string;
    readonly priceCents: number;
    readonly idempotencyKey: string;
  };
  /** inventory.reserved, payment.succeeded. */
  readonly amountCents?: number;
  /**
   * Where the event was read (the runner's EventContext), for the two events whose next step
   * another group owes: order.created (inventory-service) and inventory.reserved
   * (payment-service). The deadline sweeper waits while that group has not read past it.
   */
  readonly readAt?: { readonly partition: number; readonly offset: string };
}

interface LockedOrder {
  readonly order_id: string;
  readonly status: string;
  readonly sale_id: string;
  readonly user_id: string;
}

/** What a chunk's events add up to for one order: written in one row of the update. */
interface OrderChange {
  readonly orderId: string;
  readonly saleId: string;
  readonly userId: string;
  status: LifecycleStatus;
  moved: boolean;
  amountCents: number | null;
  priceCents: number | null;
  idempotencyKey: string | null;
  acceptedAt: Date | null;
  createdReadAt: { readonly partition: number; readonly offset: string } | null;
  reservedReadAt: { readonly partition: number; readonly offset: string } | null;
}

/** One input's outcome, for the handlers' log. */
export interface AppliedEvent {
  readonly input: OrderEventInput;
  readonly transition: Transition;
}

/**
 * Writes a consumer transaction's events into the `orders` / `order_history` read model, in two
 * statements for the whole chunk, however many events and orders it holds (it runs for four or
 * five events of every order, in the process that admits purchases; each statement costs a
 * parse, a plan and a round trip whatever it writes):
 *   1. the chunk's order rows, created by whichever of an order's events arrives first
 *      (order.created may come last), and locked while their statuses move (the no-op
 *      `DO UPDATE` takes the row lock, like `FOR UPDATE`; in order-id order, like every writer
 *      of many orders), so the deadline sweeper and a consumer never both decide on one order;
 *   2. the new statuses and fields, and the history rows.
 * Between the two, the state machine (order-state.ts) folds each order's events in the order they
 * were staged, so an order with several events in one chunk ends where one event at a time would
 * have left it.
 *
 * The handlers stage their event (`scope.stage(model, input)`); the runner calls `write` once per
 * transaction. Two events naming one order for different buyers or sales fail the chunk; event by
 * event, the one that disagrees with the stored order is dead-lettered (ORDER_MISMATCH).
 */
@Injectable()
export class OrderReadModel implements ChunkWriter<OrderEventInput, OrderTransaction> {
  private readonly logger: ServiceLogger;

  constructor(logger: ServiceLogger) {
    this.logger = logger.child({ component: 'OrderReadModel' });
  }

  async write(tx: OrderTransaction, inputs: readonly OrderEventInput[]): Promise<void> {
    const applied = await this.apply(tx, inputs);
    for (const { input, transition: next } of applied) {
      this.logger.debug(
        {
          eventId: input.eventId,
          orderId: input.order.orderId,
          event: input.fact.type,
          status: next.status,
          moved: next.moved,
        },
        'order event applied',
      );
    }
  }

  /** `write`, returning each input's transition (in input order). */
  async apply(tx: OrderTransaction, inputs: readonly OrderEventInput[]): Promise<AppliedEvent[]> {
    if (inputs.length === 0) return [];
    const locked = await this.lockOrders(tx, inputs);
    const changes = new Map<string, OrderChange>();
    const applied: AppliedEvent[] = [];
    for (const input of inputs) {
      const change = changes.get(input.order.orderId) ?? startChange(input, locked);
      changes.set(change.orderId, change);
      applied.push({ input, transition: fold(change, input) });
    }
    await this.writeChanges(tx, [...changes.values()], applied);
    return applied;
  }

  private async lockOrders(
    tx: OrderTransaction,
    inputs: readonly OrderEventInput[],
  ): Promise<Map<string, LockedOrder>> {
    // One row per order: the first event names its sale and buyer, the earliest time is its
    // first-seen creation time (order.created's acceptedAt replaces it when it comes).
    const first = new Map<string, { order: OrderRef; seen: number }>();
    for (const input of inputs) {
      const seen = Date.parse(input.created?.acceptedAt ?? input.occurredAt);
      const known = first.get(input.order.orderId);
      if (!known) first.set(input.order.orderId, { order: input.order, seen });
      else if (seen < known.seen) known.seen = seen;
    }
    const rows = [...first.values()].sort((a, b) =>
      a.order.orderId < b.order.orderId ? -1 : a.order.orderId > b.order.orderId ? 1 : 0,
    );
    const locked = await tx.$queryRaw<LockedOrder[]>`
      INSERT INTO orders (order_id, sale_id, user_id, quantity, status, created_at, updated_at)
      SELECT t.order_id, t.sale_id, t.user_id, t.quantity, 'PENDING', t.created_at, now()
      FROM unnest(${rows.map((r) => r.order.orderId)}::text[],
                  ${rows.map((r) => r.order.saleId)}::text[],
                  ${rows.map((r) => r.order.userId)}::text[],
                  ${rows.map((r) => r.order.quantity)}::int[],
                  ${rows.map((r) => new Date(r.seen).toISOString())}::timestamptz[])
             WITH ORDINALITY AS t(order_id, sale_id, user_id, quantity, created_at, n)
      ORDER BY t.n
      ON CONFLICT (order_id) DO UPDATE SET updated_at = orders.updated_at
      RETURNING order_id, status, sale_id, user_id`;
    return new Map(locked.map((row) => [row.order_id, row]));
  }

  private async writeChanges(
    tx: OrderTransaction,
    changes: readonly OrderChange[],
    applied: readonly AppliedEvent[],
  ): Promise<void> {
    const column = <T>(pick: (change: OrderChange) => T) => changes.map(pick);
    // order.created adds price, key and acceptance time to an order another event created first.
    // Redis remembers a key for 24 h only; a key reused later names a new order, which must not
    // trip the unique index (the first order keeps the key).
    await tx.$executeRaw`
      WITH changes AS (
        SELECT * FROM unnest(
          ${column((c) => c.orderId)}::text[],
          ${column((c) => (c.moved ? c.status : null))}::text[],
          ${column((c) => c.amountCents)}::int[],
          ${column((c) => c.priceCents)}::int[],
          ${column((c) => c.idempotencyKey)}::text[],
          ${column((c) => c.acceptedAt?.toISOString() ?? null)}::timestamptz[],
          ${column((c) => c.createdReadAt?.partition ?? null)}::int[],
          ${column((c) => c.createdReadAt?.offset ?? null)}::bigint[],
          ${column((c) => c.reservedReadAt?.partition ?? null)}::int[],
          ${column((c) => c.reservedReadAt?.offset ?? null)}::bigint[]
        ) AS c(order_id, status, amount_cents, price_cents, idempotency_key, accepted_at,
               created_partition, created_offset, reserved_partition, reserved_offset)
      ),
      updated AS (
        UPDATE orders o SET
          status = COALESCE(c.status, o.status),
          amount_cents = COALESCE(c.amount_cents, o.amount_cents),
          price_cents = COALESCE(c.price_cents, o.price_cents),
          idempotency_key = CASE
            WHEN c.idempotency_key IS NULL THEN o.idempotency_key
            WHEN EXISTS (
              SELECT 1 FROM orders holder
              WHERE holder.sale_id = o.sale_id AND holder.user_id = o.user_id
                AND holder.idempotency_key = c.idempotency_key AND holder.order_id <> o.order_id)
            THEN o.idempotency_key
            ELSE c.idempotency_key END,
          created_at = LEAST(o.created_at, COALESCE(c.accepted_at, o.created_at)),
          created_partition = COALESCE(c.created_partition, o.created_partition),
          created_offset = COALESCE(c.created_offset, o.created_offset),
          reserved_partition = COALESCE(c.reserved_partition, o.reserved_partition),
          reserved_offset = COALESCE(c.reserved_offset, o.reserved_offset),
          updated_at = now()
        FROM changes c
        WHERE o.order_id = c.order_id)
      INSERT INTO order_history (order_id, status, event_type, event_id, occurred_at)
      SELECT h.order_id, h.status, h.event_type, h.event_id, h.occurred_at
      FROM unnest(
        ${applied.map((a) => a.input.order.orderId)}::text[],
        ${applied.map((a) => a.transition.label)}::text[],
        ${applied.map((a) => a.input.fact.type)}::text[],
        ${applied.map((a) => a.input.eventId)}::uuid[],
        ${applied.map((a) => a.input.occurredAt)}::timestamptz[]
      ) WITH ORDINALITY AS h(order_id, status, event_type, event_id, occurred_at, n)
      ORDER BY h.n
      ON CONFLICT (event_id) DO NOTHING`;
  }
}

/** The order as the chunk found it, checked against the event that names it first. */
function startChange(
  input: OrderEventInput,
  locked: ReadonlyMap<string, LockedOrder>,
): OrderChange {
  const { order } = input;
  const current = locked.get(order.orderId);
  if (!current) throw new Error(`order ${order.orderId} vanished while it was being updated`);
  if (!isLifecycleStatus(current.status)) {
    throw new NonRetriableError(
      `order ${order.orderId} has an unknown status ${current.status}`,
      'UNKNOWN_STATUS',
    );
  }
  return {
    orderId: order.orderId,
    saleId: current.sale_id,
    userId: current.user_id,
    status: current.status,
    moved: false,
    amountCents: null,
    priceCents: null,
    idempotencyKey: null,
    acceptedAt: null,
    createdReadAt: null,
    reservedReadAt: null,
  };
}

/** Applies one event to its order's running change; the latest value of each field wins. */
function fold(change: OrderChange, input: OrderEventInput): Transition {
  const { order, created, fact } = input;
  if (change.saleId !== order.saleId || change.userId !== order.userId) {
    // Two events disagree on whose order this is: nothing to retry, keep it for an operator.
    throw new NonRetriableError(
      `event ${input.eventId} names order ${order.orderId} for sale ${order.saleId} and user ` +
        `${order.userId}, but the order is sale ${change.saleId}, user ${change.userId}`,
      'ORDER_MISMATCH',
    );
  }
  const next = transition(change.status, fact);
  if (next.moved) {
    change.status = next.status;
    change.moved = true;
  }
  change.amountCents = input.amountCents ?? change.amountCents;
  if (created) {
    change.priceCents = created.priceCents;
    change.idempotencyKey = created.idempotencyKey;
    const acceptedAt = new Date(created.acceptedAt);
    if (!change.acceptedAt || acceptedAt < change.acceptedAt) change.acceptedAt = acceptedAt;
  }
  if (input.readAt && fact.type === 'order.created') change.createdReadAt = input.readAt;
  if (input.readAt && fact.type === 'inventory.reserved') change.reservedReadAt = input.readAt;
  return next;
}
