import { EventRegistry } from '../decode';
import type { EventDefinition } from '../envelope';
import {
  InventoryRejectedV1,
  InventoryReleasedV1,
  InventoryReservedV1,
  OrderCancelledV1,
  OrderCreatedV1,
  PaymentFailedV1,
  PaymentRefundedV1,
  PaymentSucceededV1,
  SalePublishedV1,
  ShipmentCreatedV1,
} from './lifecycle.v1';

/** Every event the shop knows, by (type, version). Consumers decode through this registry. */
export const EVENT_DEFINITIONS: readonly EventDefinition[] = [
  SalePublishedV1,
  OrderCreatedV1,
  OrderCancelledV1,
  InventoryReservedV1,
  InventoryRejectedV1,
  InventoryReleasedV1,
  PaymentSucceededV1,
  PaymentFailedV1,
  PaymentRefundedV1,
  ShipmentCreatedV1,
];

export const eventRegistry = new EventRegistry(EVENT_DEFINITIONS);
