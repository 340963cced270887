/**
 * The consumer groups of the saga, one per consuming service. A group's name is part of its
 * retry topics' names and of its committed offsets, so it is spelled once, here: order-service's
 * deadline sweeper reads the offsets of the groups that owe an order its next step.
 */
export const ConsumerGroup = {
  Order: 'order-service',
  Inventory: 'inventory-service',
  Payment: 'payment-service',
  Logistics: 'logistics-service',
  Notification: 'notification-service',
} as const;

export type ConsumerGroupName = (typeof ConsumerGroup)[keyof typeof ConsumerGroup];
