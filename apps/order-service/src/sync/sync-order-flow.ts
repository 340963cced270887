import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  ProblemCode,
  syncChargeResponse,
  type SyncCompensationRequest,
  type SyncOrderResponse,
  syncPath,
  syncRefundResponse,
  syncReleaseResponse,
  syncReserveResponse,
  SyncRoute,
  syncShipResponse,
} from '@seckill/contracts';
import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import { OrderDatabase } from '../database';
import { Prisma, type Order, type Sale } from '../generated/prisma/client';
import type { PlaceOrder, Refusal } from '../orders/admission.service';
import { SyncCalls, type SyncCallResult } from './sync-calls';

/** A sync purchase's answer: 201 once shipped, or a refusal (nothing kept). */
export type SyncPlacement = { readonly shipped: SyncOrderResponse } | { readonly refused: Refusal };

type Step = 'RESERVED' | 'PAID' | 'SHIPPED' | 'FAILED';
type Compensation = 'refund' | 'release';

/** History entries of a failed sync order are `sync.failed.<problem code>`. */
const FAILED_EVENT = 'sync.failed.';

/**
 * The synchronous baseline (ADR 0012), the source document's "before" design: the buyer's
 * request creates the order and then calls inventory (stock taken in PostgreSQL under the
 * sale's row lock), payment (the provider, with its latency) and logistics, one after another,
 * and is answered only when the last one answered. Its costs are the seed's list: the buyer
 * waits for the sum of the calls, the slowest service sets everyone's throughput, and any one
 * service down is the shop down.
 *
 * It is kept correct, so that the comparison is about design and not bugs: the order row comes
 * first (a crash leaves a visible PENDING order, not a silent reservation); each call is
 * idempotent per order id; a call that failed without a definite answer is settled by
 * compensating (refund, release: both idempotent, and both leave a tombstone that refuses a
 * late-arriving original), and only then is the buyer told it failed. When even the
 * compensation fails, the buyer is told OUTCOME_UNKNOWN, and retrying with the same
 * Idempotency-Key resumes the chain where it stopped.
 */
@Injectable()
export class SyncOrderFlow {
  private readonly logger: ServiceLogger;
  private readonly outcomes;

  constructor(
    private readonly db: OrderDatabase,
    private readonly calls: SyncCalls,
    logger: ServiceLogger,
    metrics: MetricsRegistry,
  ) {
    this.logger = logger.child({ component: 'sync-order-flow' });
    this.outcomes = metrics.counter(
      'seckill_sync_orders_total',
      'Purchases of sync-flow sales (the synchronous baseline), by outcome',
      ['outcome'],
    );
  }

  async place(sale: Sale, request: PlaceOrder): Promise<SyncPlacement> {
    const placement = await this.placeOrResume(sale, request);
    this.outcomes.inc({ outcome: 'shipped' in placement ? 'SHIPPED' : placement.refused.code });
    return placement;
  }

  private async placeOrResume(sale: Sale, request: PlaceOrder): Promise<SyncPlacement> {
    const existing =
      request.idempotencyKey === null
        ? null
        : await this.findByKey(sale, request, request.idempotencyKey);
    if (existing) return this.resume(sale, existing);
    const refusal = notSellable(sale, request, Date.now());
    if (refusal) return { refused: refusal };
    const orderId = randomUUID();
    const order = await this.create(sale, request, orderId);
    return this.resume(sale, order);
  }

  /** The order, or the one a concurrent request with the same key created first. */
  private async create(sale: Sale, request: PlaceOrder, orderId: string): Promise<Order> {
    const idempotencyKey = request.idempotencyKey ?? orderId;
    try {
      return await this.db.order.create({
        data: {
          orderId,
          saleId: sale.id,
          userId: request.userId,
          quantity: request.quantity,
          priceCents: sale.priceCents,
          amountCents: sale.priceCents * request.quantity,
          idempotencyKey,
          status: 'PENDING',
          createdAt: new Date(),
        },
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const first = await this.findByKey(sale, request, idempotencyKey);
      if (!first) throw error;
      return first;
    }
  }

  private findByKey(
    sale: Sale,
    request: PlaceOrder,
    idempotencyKey: string,
  ): Promise<Order | null> {
    return this.db.order.findUnique({
      where: {
        saleId_userId_idempotencyKey: { saleId: sale.id, userId: request.userId, idempotencyKey },
      },
    });
  }

  /** Runs the chain from the order's status on: a new order from the start, a replay from where it stopped. */
  private async resume(sale: Sale, order: Order): Promise<SyncPlacement> {
    const { orderId, saleId, userId, quantity } = order;
    switch (order.status) {
      case 'PENDING': {
        const reserved = await this.calls.post(
          'inventory-service',
          SyncRoute.Reserve,
          {
            orderId,
            saleId,
            userId,
            quantity,
            perUserLimit: sale.perUserLimit,
            idempotencyKey: order.idempotencyKey ?? orderId,
            priceCents: sale.priceCents,
          },
          syncReserveResponse,
        );
        // Refused: inventory wrote nothing. Failed: it may have reserved, so release first.
        if (reserved.kind !== 'done')
          return this.fail(order, reserved, { step: 'release', before: [] });
        await this.advance(order, 'PENDING', 'RESERVED', 'sync.inventory.reserved');
        return this.resume(sale, { ...order, status: 'RESERVED' });
      }
      case 'RESERVED': {
        const charged = await this.calls.post(
          'payment-service',
          SyncRoute.Charge,
          { orderId, saleId, userId, quantity, amountCents: order.amountCents ?? 0 },
          syncChargeResponse,
        );
        if (charged.kind !== 'done') {
          return this.fail(order, charged, { step: 'refund', before: ['release'] });
        }
        await this.advance(order, 'RESERVED', 'PAID', 'sync.payment.captured');
        return this.resume(sale, { ...order, status: 'PAID' });
      }
      case 'PAID':
      case 'SHIPPED': {
        // Shipping is idempotent: a replay of a shipped order reads its tracking number back.
        const shipped = await this.calls.post(
          'logistics-service',
          SyncRoute.Ship,
          { orderId, saleId, userId, quantity },
          syncShipResponse,
        );
        if (shipped.kind !== 'done') {
          return order.status === 'SHIPPED'
            ? { refused: outcomeUnknown(order, 'logistics-service did not answer') }
            : this.fail(order, shipped, { before: ['refund', 'release'] });
        }
        if (order.status === 'PAID')
          await this.advance(order, 'PAID', 'SHIPPED', 'sync.shipment.created');
        return {
          shipped: {
            orderId,
            status: 'SHIPPED',
            statusUrl: `/api/orders/${orderId}`,
            trackingNumber: shipped.body.trackingNumber,
          },
        };
      }
      default:
        return { refused: await this.failedBefore(order) };
    }
  }

  /**
   * A step did not happen: undo it if it may have (no answer), then the steps before it, each
   * compensation idempotent and safe whether or not its step took effect; then record the order
   * FAILED and refuse. If a compensation fails too, the order keeps its status and the buyer
   * hears OUTCOME_UNKNOWN. A shipment has no compensation: one created by a call that timed out
   * stays CREATED on a FAILED order, and `npm run verify` names it (ADR 0012).
   */
  private async fail<T>(
    order: Order,
    result: Exclude<SyncCallResult<T>, { kind: 'done' }>,
    undo: { readonly step?: Compensation; readonly before: readonly Compensation[] },
  ): Promise<SyncPlacement> {
    // A refusal, or a request never sent, is a definite "nothing done": only the steps before it
    // need undoing.
    const needed = [...(result.kind === 'failed' && undo.step ? [undo.step] : []), ...undo.before];
    for (const compensation of needed) {
      const undone = await this.compensate(order, compensation);
      if (undone.kind !== 'done') {
        const why = undone.kind === 'refused' ? `${undone.code}: ${undone.detail}` : undone.reason;
        this.logger.error(
          { orderId: order.orderId, status: order.status, compensation, why },
          'sync order stuck: a compensation failed; a retry with its key resumes it',
        );
        return { refused: outcomeUnknown(order, why) };
      }
    }
    const refusal = result.kind === 'refused' ? refusalOf(result) : unavailable(result.reason);
    await this.advance(order, order.status, 'FAILED', `${FAILED_EVENT}${refusal.code}`);
    this.logger.info({ orderId: order.orderId, code: refusal.code }, 'sync order failed');
    return { refused: refusal };
  }

  private compensate(order: Order, compensation: Compensation) {
    // Names the order's sale and buyer, for the tombstone of a step that never happened.
    const about: SyncCompensationRequest = { saleId: order.saleId, userId: order.userId };
    return compensation === 'refund'
      ? this.calls.post(
          'payment-service',
          syncPath(SyncRoute.Refund, order.orderId),
          about,
          syncRefundResponse,
        )
      : this.calls.post(
          'inventory-service',
          syncPath(SyncRoute.Release, order.orderId),
          about,
          syncReleaseResponse,
        );
  }

  /**
   * Moves the order from `from` to `to` with its history entry, once: a concurrent replay of the
   * same order moves nothing and writes no second entry.
   */
  private async advance(order: Order, from: string, to: Step, eventType: string): Promise<void> {
    await this.db.$executeRaw`
      WITH moved AS (
        UPDATE orders SET status = ${to}, updated_at = now()
        WHERE order_id = ${order.orderId} AND status = ${from}
        RETURNING order_id
      )
      INSERT INTO order_history (order_id, status, event_type, event_id, occurred_at)
      SELECT order_id, ${to}, ${eventType}, ${randomUUID()}::uuid, now() FROM moved`;
  }

  /** The refusal a FAILED order got the first time, from its history. */
  private async failedBefore(order: Order): Promise<Refusal> {
    const entry = await this.db.orderHistory.findFirst({
      where: { orderId: order.orderId, eventType: { startsWith: FAILED_EVENT } },
      orderBy: { occurredAt: 'desc' },
    });
    const code = entry?.eventType.slice(FAILED_EVENT.length) ?? ProblemCode.UpstreamUnavailable;
    return {
      status: statusOf(code),
      code: code as Refusal['code'],
      detail: `This purchase failed (${code}) and nothing was kept; use a new Idempotency-Key to try again.`,
      ...(statusOf(code) === 503 ? { headers: { 'retry-after': '1' } } : {}),
    };
  }
}

/** Why a new purchase cannot start: the deadline passed, or the sale is not open. */
function notSellable(sale: Sale, request: PlaceOrder, nowMs: number): Refusal | null {
  if (request.deadline !== null && nowMs > request.deadline) {
    return {
      status: 503,
      code: ProblemCode.DeadlineExceeded,
      detail: 'The request waited past its deadline; nothing was bought. Retry shortly.',
      headers: { 'retry-after': '1' },
    };
  }
  if (nowMs < sale.startsAt.getTime() || nowMs >= sale.endsAt.getTime()) {
    return {
      status: 403,
      code: ProblemCode.SaleNotOpen,
      detail:
        nowMs >= sale.endsAt.getTime() ? 'The sale has ended.' : 'The sale has not started yet.',
    };
  }
  return null;
}

/** A definite "no" from a callee, as the buyer's answer. */
function refusalOf(result: { status: number; code: string; detail: string }): Refusal {
  // No stock row yet: inventory has not applied sale.published; the sale sells in a moment.
  if (result.code === ProblemCode.SaleNotFound) {
    return unavailable('inventory-service does not know the sale yet');
  }
  return {
    status: statusOf(result.code),
    code: result.code as Refusal['code'],
    detail: result.detail,
  };
}

function statusOf(code: string): number {
  switch (code) {
    case ProblemCode.PaymentDeclined:
      return 402;
    case ProblemCode.UpstreamUnavailable:
      return 503;
    default:
      return 409;
  }
}

function unavailable(reason: string): Refusal {
  return {
    status: 503,
    code: ProblemCode.UpstreamUnavailable,
    detail: `${reason}; nothing was bought (any step taken was undone). Retry shortly.`,
    headers: { 'retry-after': '1' },
  };
}

function outcomeUnknown(order: Order, why: string): Refusal {
  return {
    status: 503,
    code: ProblemCode.OutcomeUnknown,
    detail:
      `Order ${order.orderId} stopped at ${order.status} (${why}). Retry with the same ` +
      'Idempotency-Key to resume it.',
    headers: { 'retry-after': '1' },
  };
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}
