import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { createEvent, type PlaceOrderResponse, ProblemCode } from '@seckill/contracts';
import { toRecord } from '@seckill/kafka';
import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import { type AdmissionResult, AdmissionScript, saleKeys } from '@seckill/redis';
import { ProducedEvents } from '../events';
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

/** A refused purchase's problem answer; sent as it is, with no exception on the way. */
export interface Refusal {
  readonly status: number;
  readonly code: (typeof ProblemCode)[keyof typeof ProblemCode];
  readonly detail: string;
  readonly headers?: Record<string, string>;
}

/** What a purchase gets: its 202 answer (the first one again, for a replayed key) or a refusal. */
export type Placement = { readonly accepted: PlaceOrderResponse } | { readonly refused: Refusal };

/**
 * The hot path of a purchase: build the `order.created` event, let the admission script decide
 * (one atomic round trip to Redis), hand an admitted order to Kafka, answer. Everything a
 * rejection needs is decided inside the script, so a rejected request costs one round trip.
 */
@Injectable()
export class AdmissionService {
  private readonly outcomes;
  private readonly logger: ServiceLogger;

  constructor(
    private readonly script: AdmissionScript,
    private readonly handoff: OrderHandoff,
    private readonly prices: SalePrices,
    private readonly events: ProducedEvents,
    private readonly activity: HotPathActivity,
    metrics: MetricsRegistry,
    logger: ServiceLogger,
  ) {
    this.outcomes = metrics.counter('seckill_admissions_total', 'Purchase attempts by outcome', [
      'outcome',
    ]);
    this.logger = logger.child({ component: 'admission' });
  }

  /**
   * The 202 answer (or, for a replayed key, the first one), or the refusal: under a crowd most
   * answers are refusals (sold out, limit reached), so they are values, not exceptions.
   */
  place(order: PlaceOrder): Promise<Placement> {
    return this.activity.track(() => this.admit(order));
  }

  private async admit(order: PlaceOrder): Promise<Placement> {
    // Sales are immutable once published, so their price is cached; an unknown sale costs one
    // HGET and never reaches the script.
    let priceCents: number | null;
    try {
      priceCents = await this.prices.priceOf(order.saleId);
    } catch (error) {
      // Redis did not answer before the script: nothing was admitted, and the caller may retry.
      this.outcomes.inc({ outcome: 'REDIS_UNAVAILABLE' });
      this.logger.warn({ err: error, saleId: order.saleId }, 'Redis unavailable before admission');
      return { refused: redisUnavailable() };
    }
    if (priceCents === null) {
      this.outcomes.inc({ outcome: 'NOT_FOUND' });
      return { refused: saleNotFound(order.saleId) };
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
    let result: AdmissionResult;
    try {
      result = await this.script.admit({
        saleId: order.saleId,
        userId: order.userId,
        quantity: order.quantity,
        orderId,
        idempotencyKey: order.idempotencyKey,
        orderSummary: JSON.stringify(pendingOrder({ ...order, orderId }, acceptedAt)),
        answer: JSON.stringify(response),
        record,
        deadline: order.deadline,
      });
    } catch (error) {
      // The script may or may not have run (a connection lost with the call in flight): only a
      // retry with the same key can tell, and it settles it either way (REPLAYED or a fresh
      // admission). Never a 500: the buyer must not read it as "failed".
      this.outcomes.inc({ outcome: 'OUTCOME_UNKNOWN' });
      this.logger.warn(
        { err: error, orderId, saleId: order.saleId },
        'admission outcome unknown: Redis failed mid-call',
      );
      return { refused: outcomeUnknown() };
    }
    this.outcomes.inc({ outcome: result.outcome });

    switch (result.outcome) {
      case 'ACCEPTED':
        // Published, or deferred to the stream relay: either way the order is safe. The wait for
        // Kafka's ack ends at the deadline, so the caller hears 202 while it still listens.
        await this.handoff.handOff(
          { stream: saleKeys(order.saleId).outbox, entryId: result.entryId, record },
          order.deadline === null ? undefined : order.deadline - Date.now(),
        );
        return { accepted: response };
      case 'REPLAYED':
        return { accepted: JSON.parse(result.answer) as PlaceOrderResponse };
      default:
        return { refused: rejection(order, result) };
    }
  }
}

function deadlineExceeded(): Refusal {
  return {
    status: 503,
    code: ProblemCode.DeadlineExceeded,
    detail: 'The request waited past its deadline; nothing was admitted. Retry shortly.',
    headers: { 'retry-after': '1' },
  };
}

function redisUnavailable(): Refusal {
  return {
    status: 503,
    code: ProblemCode.UpstreamUnavailable,
    detail: 'The admission store (Redis) is unavailable; nothing was admitted. Retry shortly.',
    headers: { 'retry-after': '1' },
  };
}

function outcomeUnknown(): Refusal {
  return {
    status: 503,
    code: ProblemCode.OutcomeUnknown,
    detail:
      'The admission store (Redis) failed during the purchase: it may or may not have been ' +
      'admitted. Retry with the same Idempotency-Key to learn which.',
    headers: { 'retry-after': '1' },
  };
}

function saleNotFound(saleId: string): Refusal {
  return { status: 404, code: ProblemCode.SaleNotFound, detail: `Sale ${saleId} does not exist.` };
}

/** The problem answer of a rejected admission: stable codes the gateway and clients switch on. */
export function rejection(
  order: Pick<PlaceOrder, 'saleId' | 'quantity'>,
  result: Exclude<AdmissionResult, { outcome: 'ACCEPTED' | 'REPLAYED' }>,
): Refusal {
  switch (result.outcome) {
    case 'NOT_FOUND':
      return saleNotFound(order.saleId);
    case 'DEADLINE_EXCEEDED':
      return deadlineExceeded();
    case 'NOT_OPEN':
      return {
        status: 403,
        code: ProblemCode.SaleNotOpen,
        detail: result.reason === 'ENDED' ? 'The sale has ended.' : 'The sale has not started yet.',
      };
    case 'SOLD_OUT':
      return { status: 409, code: ProblemCode.SoldOut, detail: 'The sale is sold out.' };
    case 'INSUFFICIENT_STOCK':
      // Its own code: the gateway marks a sale sold out on SOLD_OUT, and this one is not.
      return {
        status: 409,
        code: ProblemCode.InsufficientStock,
        detail: `Only ${result.remainingStock} left; ${order.quantity} requested.`,
      };
    case 'LIMIT_REACHED':
      return {
        status: 409,
        code: ProblemCode.LimitReached,
        detail: `At most ${result.limit} per customer in this sale; you have ${result.bought}.`,
      };
  }
}
