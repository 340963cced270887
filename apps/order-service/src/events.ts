import { OrderCreatedV1, SalePublishedV1 } from '@seckill/contracts';

/**
 * The events order-service produces, as an injectable: the catalogue's definitions in the
 * service, definitions on topics of their own in tests (so parallel tests never share a topic).
 */
export abstract class ProducedEvents {
  abstract readonly salePublished: typeof SalePublishedV1;
  abstract readonly orderCreated: typeof OrderCreatedV1;
}

export const CATALOGUE_EVENTS: ProducedEvents = {
  salePublished: SalePublishedV1,
  orderCreated: OrderCreatedV1,
};
