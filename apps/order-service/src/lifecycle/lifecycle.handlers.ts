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
import type { HandlerScope, IntegrationEventHandler } from '@seckill/kafka';
import { ServiceLogger } from '@seckill/observability';
import { RestockScript } from '@seckill/redis';
import type { OrderTransaction } from '../database';
import { type OrderEventInput, OrderReadModel } from './order-read-model';

/**
 * order-service's consumer group: one handler per lifecycle event, each writing the event into
 * the order read model (src/lifecycle/order-read-model.ts). The runner has recorded the event in
 * the inbox in the same transaction, so a redelivery never gets here.
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

  protected async record(tx: OrderTransaction, input: OrderEventInput): Promise<void> {
    const result = await this.model.apply(tx, input);
    this.logger.debug(
      {
        eventId: input.eventId,
        orderId: input.order.orderId,
        event: input.fact.type,
        status: result.status,
        moved: result.moved,
      },
      'order event applied',
    );
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
    { tx, context }: HandlerScope<OrderTransaction>,
  ): Promise<void> {
    const { payload } = event;
    await this.record(tx, {
      eventId: event.eventId,
      occurredAt: event.occurredAt,
      fact: { type: 'order.created' },
      order: orderRef(payload),
      created: {
        acceptedAt: payload.acceptedAt,
        priceCents: payload.priceCents,
        idempotencyKey: payload.idempotencyKey,
      },
      readAt: context,
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
    { tx, context }: HandlerScope<OrderTransaction>,
  ): Promise<void> {
    await this.record(tx, {
      eventId: event.eventId,
      occurredAt: event.occurredAt,
      fact: { type: 'inventory.reserved' },
      order: orderRef(event.payload),
      amountCents: event.payload.amountCents,
      readAt: context,
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
    { tx }: HandlerScope<OrderTransaction>,
  ): Promise<void> {
    await this.record(tx, {
      eventId: event.eventId,
      occurredAt: event.occurredAt,
      fact: { type: 'inventory.rejected' },
      order: orderRef(event.payload),
    });
  }
}

/**
 * inventory.released: the stock of a failed or cancelled order went back to the sale in Postgres,
 * so it goes back to the hot path too: the sale's Redis stock, the buyer's count (they may buy
 * again), and `soldOut:false` to the gateways. Redis is outside this transaction; the restock
 * script's per-order marker makes a retry or a redelivery harmless.
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
    private readonly restock: RestockScript,
  ) {
    super(model, logger, 'InventoryReleasedIntegrationEventHandler');
  }

  async handle(
    event: EnvelopeOf<typeof InventoryReleasedV1>,
    { tx }: HandlerScope<OrderTransaction>,
  ): Promise<void> {
    const order = orderRef(event.payload);
    await this.record(tx, {
      eventId: event.eventId,
      occurredAt: event.occurredAt,
      fact: { type: 'inventory.released', reason: event.payload.reason },
      order,
    });
    // Last: if the read model threw, nothing was given back.
    const result = await this.restock.restock(order);
    if (result.outcome === 'NO_SALE') {
      // Redis lost the sale (a reset); the loader reloads its stock from Postgres.
      this.logger.warn(
        { eventId: event.eventId, orderId: order.orderId, saleId: order.saleId },
        'sale not in Redis; nothing restocked',
      );
    } else {
      this.logger.info(
        {
          eventId: event.eventId,
          orderId: order.orderId,
          outcome: result.outcome,
          stock: result.stock,
        },
        'released stock returned to Redis',
      );
    }
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
    { tx }: HandlerScope<OrderTransaction>,
  ): Promise<void> {
    await this.record(tx, {
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
    { tx }: HandlerScope<OrderTransaction>,
  ): Promise<void> {
    await this.record(tx, {
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
    { tx }: HandlerScope<OrderTransaction>,
  ): Promise<void> {
    await this.record(tx, {
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
    { tx }: HandlerScope<OrderTransaction>,
  ): Promise<void> {
    await this.record(tx, {
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
    { tx }: HandlerScope<OrderTransaction>,
  ): Promise<void> {
    await this.record(tx, {
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
