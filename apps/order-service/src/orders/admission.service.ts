import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { createEvent, type PlaceOrderResponse, ProblemCode } from '@seckill/contracts';
import { toRecord } from '@seckill/kafka';
import { MetricsRegistry } from '@seckill/observability';
import { type AdmissionResult, AdmissionScript, saleKeys } from '@seckill/redis';
import { ProblemException } from '@seckill/service-kit';
import { ProducedEvents } from '../events';
import { toStreamRecord } from '../outbox/stream-outbox';
import { HotPathActivity } from './hot-path-activity';
import { OrderHandoff } from './order-handoff';
import { pendingOrder } from './order-summary';
import { SalePrices } from './sale-prices';

export interface PlaceOrder {
  readonly saleId: string;
  /** From the verified token, never from the request. */
  readonly userId: string;
  readonly quantity: number;
  readonly idempotencyKey: string | null;
  /** Epoch ms after which the caller no longer waits (the gateway's deadline); null: none. */
  readonly deadline: number | null;
}

/**
 * The hot path of a purchase: build the `order.created` event, let the admission script decide
 * (one atomic round trip to Redis), hand an admitted order to Kafka, answer. Everything a
 * rejection needs is decided inside the script, so a rejected request costs one round trip.
 */
@Injectable()
export class AdmissionService {
  private readonly outcomes;

  constructor(
    private readonly script: AdmissionScript,
    private readonly handoff: OrderHandoff,
    private readonly prices: SalePrices,
    private readonly events: ProducedEvents,
    private readonly activity: HotPathActivity,
    metrics: MetricsRegistry,
  ) {
    this.outcomes = metrics.counter('seckill_admissions_total', 'Purchase attempts by outcome', [
      'outcome',
    ]);
  }

  /** The 202 answer (or, for a replayed key, the first one); a rejection throws its problem. */
  place(order: PlaceOrder): Promise<PlaceOrderResponse> {
    return this.activity.track(() => this.admit(order));
  }

  private async admit(order: PlaceOrder): Promise<PlaceOrderResponse> {
    // Sales are immutable once published, so their price is cached; an unknown sale costs one
    // HGET and never reaches the script.
    const priceCents = await this.prices.priceOf(order.saleId);
    if (priceCents === null) {
      this.outcomes.inc({ outcome: 'NOT_FOUND' });
      throw saleNotFound(order.saleId);
    }
    const orderId = randomUUID();
    const acceptedAt = new Date().toISOString();
    const event = createEvent(this.events.orderCreated, {
      orderId,
      saleId: order.saleId,
      userId: order.userId,
      quantity: order.quantity,
      // Travels downstream: the client's key, or the order id when the client sent none.
      idempotencyKey: order.idempotencyKey ?? orderId,
      priceCents,
      acceptedAt,
    });
    const record = toRecord(this.events.orderCreated, event);
    const response: PlaceOrderResponse = {
      orderId,
      status: 'PENDING',
      statusUrl: `/api/orders/${orderId}`,
    };

    // The deadline is checked by the script (on Redis's clock, atomically with the admission),
    // not here: a late retry of a purchase that was admitted must still get its 202.
    const result = await this.script.admit({
      saleId: order.saleId,
      userId: order.userId,
      quantity: order.quantity,
      orderId,
      idempotencyKey: order.idempotencyKey,
      orderSummary: JSON.stringify(pendingOrder({ ...order, orderId }, acceptedAt)),
      answer: JSON.stringify(response),
      record: toStreamRecord(record),
      deadline: order.deadline,
    });
    this.outcomes.inc({ outcome: result.outcome });

    switch (result.outcome) {
      case 'ACCEPTED':
        // Published, or deferred to the stream relay: either way the order is safe. The wait for
        // Kafka's ack ends at the deadline, so the caller hears 202 while it still listens.
        await this.handoff.handOff(
          { stream: saleKeys(order.saleId).outbox, entryId: result.entryId, record },
          order.deadline === null ? undefined : order.deadline - Date.now(),
        );
        return response;
      case 'REPLAYED':
        return JSON.parse(result.answer) as PlaceOrderResponse;
      default:
        throw rejection(order, result);
    }
  }
}

function deadlineExceeded(): ProblemException {
  return new ProblemException(
    503,
    ProblemCode.DeadlineExceeded,
    'The request waited past its deadline; nothing was admitted. Retry shortly.',
    undefined,
    { 'retry-after': '1' },
  );
}

function saleNotFound(saleId: string): ProblemException {
  return new ProblemException(404, ProblemCode.SaleNotFound, `Sale ${saleId} does not exist.`);
}

/** The problem answer of a rejected admission: stable codes the gateway and clients switch on. */
export function rejection(
  order: Pick<PlaceOrder, 'saleId' | 'quantity'>,
  result: Exclude<AdmissionResult, { outcome: 'ACCEPTED' | 'REPLAYED' }>,
): ProblemException {
  switch (result.outcome) {
    case 'NOT_FOUND':
      return saleNotFound(order.saleId);
    case 'DEADLINE_EXCEEDED':
      return deadlineExceeded();
    case 'NOT_OPEN':
      return new ProblemException(
        403,
        ProblemCode.SaleNotOpen,
        result.reason === 'ENDED' ? 'The sale has ended.' : 'The sale has not started yet.',
      );
    case 'SOLD_OUT':
      return new ProblemException(409, ProblemCode.SoldOut, 'The sale is sold out.');
    case 'INSUFFICIENT_STOCK':
      // Its own code: the gateway marks a sale sold out on SOLD_OUT, and this one is not.
      return new ProblemException(
        409,
        ProblemCode.InsufficientStock,
        `Only ${result.remainingStock} left; ${order.quantity} requested.`,
      );
    case 'LIMIT_REACHED':
      return new ProblemException(
        409,
        ProblemCode.LimitReached,
        `At most ${result.limit} per customer in this sale; you have ${result.bought}.`,
      );
  }
}
