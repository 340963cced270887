import { Injectable } from '@nestjs/common';
import {
  type EnvelopeOf,
  InventoryRejectedV1,
  InventoryReleasedV1,
  InventoryReservedV1,
  OrderCancelledV1,
  OrderCreatedV1,
  PaymentFailedV1,
  PaymentRefundedV1,
  PaymentSucceededV1,
  ShipmentCreatedV1,
} from '@seckill/contracts';
import type { ChunkWriter, HandlerScope, IntegrationEventHandler } from '@seckill/kafka';
import { ServiceLogger } from '@seckill/observability';
import { RestockScript } from '@seckill/redis';
import type { OrderTransaction } from '../database';
import { type OrderEventInput, OrderReadModel, type OrderRef } from './order-read-model';

/**
 * order-service's consumer group: one handler per lifecycle event, each handing the event to the
 * order read model (src/lifecycle/order-read-model.ts), which writes all events of the consumer
 * transaction at once after the last handler. The runner has recorded the event in the inbox in
 * the same transaction, so a redelivery never gets here.
 */
abstract class ReadModelHandler {
  protected readonly logger: ServiceLogger;

  constructor(
    protected readonly model: OrderReadModel,
    logger: ServiceLogger,
    name: string,
  ) {
    this.logger = logger.child({ handler: name });
  }

  protected record(scope: HandlerScope<OrderTransaction>, input: OrderEventInput): void {
    this.logger.debug(
      { eventId: input.eventId, orderId: input.order.orderId, event: input.fact.type },
      'order event staged',
    );
    scope.stage(this.model, input);
  }
}

function orderRef(payload: { orderId: string; saleId: string; userId: string; quantity: number }) {
  return {
    orderId: payload.orderId,
    saleId: payload.saleId,
    userId: payload.userId,
    quantity: payload.quantity,
  };
}

@Injectable()
export class OrderCreatedIntegrationEventHandler
  extends ReadModelHandler
  implements IntegrationEventHandler<typeof OrderCreatedV1, OrderTransaction>
{
  readonly event = OrderCreatedV1;

  constructor(model: OrderReadModel, logger: ServiceLogger) {
    super(model, logger, 'OrderCreatedIntegrationEventHandler');
  }

  async handle(
    event: EnvelopeOf<typeof OrderCreatedV1>,
    scope: HandlerScope<OrderTransaction>,
  ): Promise<void> {
    const { payload } = event;
    this.record(scope, {
      eventId: event.eventId,
      occurredAt: event.occurredAt,
      fact: { type: 'order.created' },
      order: orderRef(payload),
      created: {
        acceptedAt: payload.acceptedAt,
        priceCents: payload.priceCents,
        idempotencyKey: payload.idempotencyKey,
      },
      readAt: scope.context,
    });
  }
}

@Injectable()
export class InventoryReservedIntegrationEventHandler
  extends ReadModelHandler
  implements IntegrationEventHandler<typeof InventoryReservedV1, OrderTransaction>
{
  readonly event = InventoryReservedV1;

  constructor(model: OrderReadModel, logger: ServiceLogger) {
    super(model, logger, 'InventoryReservedIntegrationEventHandler');
  }

  async handle(
    event: EnvelopeOf<typeof InventoryReservedV1>,
    scope: HandlerScope<OrderTransaction>,
  ): Promise<void> {
    this.record(scope, {
      eventId: event.eventId,
      occurredAt: event.occurredAt,
      fact: { type: 'inventory.reserved' },
      order: orderRef(event.payload),
      amountCents: event.payload.amountCents,
      readAt: scope.context,
    });
  }
}

/**
 * inventory.rejected: Postgres had no stock for an order Redis admitted. The order FAILS, and its
 * unit is deliberately NOT given back to Redis: Postgres (the authority) has none to sell, so
 * returning it would admit an order that is rejected again. Redis stays at most as generous as
 * Postgres, never more.
 */
@Injectable()
export class InventoryRejectedIntegrationEventHandler
  extends ReadModelHandler
  implements IntegrationEventHandler<typeof InventoryRejectedV1, OrderTransaction>
{
  readonly event = InventoryRejectedV1;

  constructor(model: OrderReadModel, logger: ServiceLogger) {
    super(model, logger, 'InventoryRejectedIntegrationEventHandler');
  }

  async handle(
    event: EnvelopeOf<typeof InventoryRejectedV1>,
    scope: HandlerScope<OrderTransaction>,
  ): Promise<void> {
    this.record(scope, {
      eventId: event.eventId,
      occurredAt: event.occurredAt,
      fact: { type: 'inventory.rejected' },
      order: orderRef(event.payload),
    });
  }
}

/** A released order whose stock goes back to Redis. */
interface Restock {
  readonly eventId: string;
  readonly order: OrderRef;
}

/**
 * Gives released stock back to Redis, after the read model has written the transaction's events
 * (the released handler stages the read model's row first, and writers run in the order first
 * staged): if the read model's write fails, nothing was given back. Redis is outside the
 * transaction; the restock script's per-order marker makes a retry or a redelivery harmless.
 */
@Injectable()
export class ReleasedStockRestocker implements ChunkWriter<Restock, OrderTransaction> {
  private readonly logger: ServiceLogger;

  constructor(
    private readonly restock: RestockScript,
    logger: ServiceLogger,
  ) {
    this.logger = logger.child({ component: 'ReleasedStockRestocker' });
  }

  async write(_tx: OrderTransaction, rows: readonly Restock[]): Promise<void> {
    for (const { eventId, order } of rows) {
      const result = await this.restock.restock(order);
      if (result.outcome === 'NO_SALE') {
        // Redis lost the sale (a reset); the loader reloads its stock from Postgres.
        this.logger.warn(
          { eventId, orderId: order.orderId, saleId: order.saleId },
          'sale not in Redis; nothing restocked',
        );
      } else {
        this.logger.info(
          { eventId, orderId: order.orderId, outcome: result.outcome, stock: result.stock },
          'released stock returned to Redis',
        );
      }
    }
  }
}

/**
 * inventory.released: the stock of a failed or cancelled order went back to the sale in Postgres,
 * so it goes back to the hot path too: the sale's Redis stock, the buyer's count (they may buy
 * again), and `soldOut:false` to the gateways (ReleasedStockRestocker).
 */
@Injectable()
export class InventoryReleasedIntegrationEventHandler
  extends ReadModelHandler
  implements IntegrationEventHandler<typeof InventoryReleasedV1, OrderTransaction>
{
  readonly event = InventoryReleasedV1;

  constructor(
    model: OrderReadModel,
    logger: ServiceLogger,
    private readonly restocker: ReleasedStockRestocker,
  ) {
    super(model, logger, 'InventoryReleasedIntegrationEventHandler');
  }

  async handle(
    event: EnvelopeOf<typeof InventoryReleasedV1>,
    scope: HandlerScope<OrderTransaction>,
  ): Promise<void> {
    const order = orderRef(event.payload);
    this.record(scope, {
      eventId: event.eventId,
      occurredAt: event.occurredAt,
      fact: { type: 'inventory.released', reason: event.payload.reason },
      order,
    });
    scope.stage(this.restocker, { eventId: event.eventId, order });
  }
}

@Injectable()
export class PaymentSucceededIntegrationEventHandler
  extends ReadModelHandler
  implements IntegrationEventHandler<typeof PaymentSucceededV1, OrderTransaction>
{
  readonly event = PaymentSucceededV1;

  constructor(model: OrderReadModel, logger: ServiceLogger) {
    super(model, logger, 'PaymentSucceededIntegrationEventHandler');
  }

  async handle(
    event: EnvelopeOf<typeof PaymentSucceededV1>,
    scope: HandlerScope<OrderTransaction>,
  ): Promise<void> {
    this.record(scope, {
      eventId: event.eventId,
      occurredAt: event.occurredAt,
      fact: { type: 'payment.succeeded' },
      order: orderRef(event.payload),
      amountCents: event.payload.amountCents,
    });
  }
}

@Injectable()
export class PaymentFailedIntegrationEventHandler
  extends ReadModelHandler
  implements IntegrationEventHandler<typeof PaymentFailedV1, OrderTransaction>
{
  readonly event = PaymentFailedV1;

  constructor(model: OrderReadModel, logger: ServiceLogger) {
    super(model, logger, 'PaymentFailedIntegrationEventHandler');
  }

  async handle(
    event: EnvelopeOf<typeof PaymentFailedV1>,
    scope: HandlerScope<OrderTransaction>,
  ): Promise<void> {
    this.record(scope, {
      eventId: event.eventId,
      occurredAt: event.occurredAt,
      fact: { type: 'payment.failed' },
      order: orderRef(event.payload),
    });
  }
}

@Injectable()
export class PaymentRefundedIntegrationEventHandler
  extends ReadModelHandler
  implements IntegrationEventHandler<typeof PaymentRefundedV1, OrderTransaction>
{
  readonly event = PaymentRefundedV1;

  constructor(model: OrderReadModel, logger: ServiceLogger) {
    super(model, logger, 'PaymentRefundedIntegrationEventHandler');
  }

  async handle(
    event: EnvelopeOf<typeof PaymentRefundedV1>,
    scope: HandlerScope<OrderTransaction>,
  ): Promise<void> {
    this.record(scope, {
      eventId: event.eventId,
      occurredAt: event.occurredAt,
      fact: { type: 'payment.refunded' },
      order: orderRef(event.payload),
    });
  }
}

@Injectable()
export class ShipmentCreatedIntegrationEventHandler
  extends ReadModelHandler
  implements IntegrationEventHandler<typeof ShipmentCreatedV1, OrderTransaction>
{
  readonly event = ShipmentCreatedV1;

  constructor(model: OrderReadModel, logger: ServiceLogger) {
    super(model, logger, 'ShipmentCreatedIntegrationEventHandler');
  }

  async handle(
    event: EnvelopeOf<typeof ShipmentCreatedV1>,
    scope: HandlerScope<OrderTransaction>,
  ): Promise<void> {
    this.record(scope, {
      eventId: event.eventId,
      occurredAt: event.occurredAt,
      fact: { type: 'shipment.created' },
      order: orderRef(event.payload),
    });
  }
}

/**
 * order.cancelled: usually this service's own (the deadline sweeper wrote the CANCELLED status
 * and this event's history row in one transaction, so it changes nothing here); any other
 * producer's cancellation moves the order like every other event.
 */
@Injectable()
export class OrderCancelledIntegrationEventHandler
  extends ReadModelHandler
  implements IntegrationEventHandler<typeof OrderCancelledV1, OrderTransaction>
{
  readonly event = OrderCancelledV1;

  constructor(model: OrderReadModel, logger: ServiceLogger) {
    super(model, logger, 'OrderCancelledIntegrationEventHandler');
  }

  async handle(
    event: EnvelopeOf<typeof OrderCancelledV1>,
    scope: HandlerScope<OrderTransaction>,
  ): Promise<void> {
    this.record(scope, {
      eventId: event.eventId,
      occurredAt: event.occurredAt,
      fact: { type: 'order.cancelled' },
      order: orderRef(event.payload),
    });
  }
}

/** Every handler of the `order-service` group, for KafkaModule.forConsumer. */
export const LIFECYCLE_HANDLERS = [
  OrderCreatedIntegrationEventHandler,
  InventoryReservedIntegrationEventHandler,
  InventoryRejectedIntegrationEventHandler,
  InventoryReleasedIntegrationEventHandler,
  PaymentSucceededIntegrationEventHandler,
  PaymentFailedIntegrationEventHandler,
  PaymentRefundedIntegrationEventHandler,
  ShipmentCreatedIntegrationEventHandler,
  OrderCancelledIntegrationEventHandler,
] as const;
