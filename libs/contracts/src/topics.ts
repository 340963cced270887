/**
 * The one catalogue of Kafka topics. Every producer, consumer, the topic provisioning and the
 * compose init read it from here; no topic name is spelled anywhere else.
 *
 * Names follow the source document (`order.created`, ...): one topic per lifecycle event, keyed
 * by order id so one order's events stay in order within a topic.
 */
export const Topic = {
  SalePublished: 'sale.published',
  OrderCreated: 'order.created',
  OrderCancelled: 'order.cancelled',
  InventoryReserved: 'inventory.reserved',
  InventoryRejected: 'inventory.rejected',
  InventoryReleased: 'inventory.released',
  PaymentSucceeded: 'payment.succeeded',
  PaymentFailed: 'payment.failed',
  PaymentRefunded: 'payment.refunded',
  ShipmentCreated: 'shipment.created',
  DeadLetter: 'seckill.dead-letter',
} as const;

export type TopicName = (typeof Topic)[keyof typeof Topic];

/** A consumer group's retry topic (see `retryTopic`). */
export type RetryTopicName = `seckill.retry.${string}`;

export interface TopicSpec {
  readonly name: TopicName | RetryTopicName;
  /** What the message key is; it decides which events keep their relative order. */
  readonly key: 'orderId' | 'saleId' | 'original key';
  readonly retentionMs: number;
  /** Overrides the cluster-wide default partition count (KAFKA_TOPIC_PARTITIONS). */
  readonly partitions?: number;
  readonly description: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** 12 partitions by default: enough consumers in parallel for a sale, few enough for a laptop. */
export const DEFAULT_TOPIC_PARTITIONS = 12;

export const TOPIC_CATALOGUE: readonly TopicSpec[] = [
  {
    name: Topic.SalePublished,
    key: 'saleId',
    retentionMs: 30 * DAY_MS,
    description: 'A sale was created; inventory-service creates its authoritative stock row.',
  },
  {
    name: Topic.OrderCreated,
    key: 'orderId',
    retentionMs: 7 * DAY_MS,
    description: 'order-service admitted an order (stock pre-deducted in Redis).',
  },
  {
    name: Topic.OrderCancelled,
    key: 'orderId',
    retentionMs: 7 * DAY_MS,
    description: 'An order was cancelled (unpaid deadline); its stock must be released.',
  },
  {
    name: Topic.InventoryReserved,
    key: 'orderId',
    retentionMs: 7 * DAY_MS,
    description: 'inventory-service reserved authoritative stock for an order.',
  },
  {
    name: Topic.InventoryRejected,
    key: 'orderId',
    retentionMs: 7 * DAY_MS,
    description: 'inventory-service had no stock left for an order (a Redis/DB mismatch).',
  },
  {
    name: Topic.InventoryReleased,
    key: 'orderId',
    retentionMs: 7 * DAY_MS,
    description: 'Stock of a failed or cancelled order returned to the sale.',
  },
  {
    name: Topic.PaymentSucceeded,
    key: 'orderId',
    retentionMs: 7 * DAY_MS,
    description: 'The payment for an order was captured.',
  },
  {
    name: Topic.PaymentFailed,
    key: 'orderId',
    retentionMs: 7 * DAY_MS,
    description: 'The payment for an order failed permanently.',
  },
  {
    name: Topic.PaymentRefunded,
    key: 'orderId',
    retentionMs: 7 * DAY_MS,
    description: 'A payment that arrived for a cancelled order was refunded.',
  },
  {
    name: Topic.ShipmentCreated,
    key: 'orderId',
    retentionMs: 7 * DAY_MS,
    description: 'logistics-service created the shipment of a paid order.',
  },
  {
    name: Topic.DeadLetter,
    key: 'original key',
    retentionMs: 30 * DAY_MS,
    description:
      'Events that failed validation or exhausted their retries, with the reason and origin in headers.',
  },
];

/**
 * The consumer runner's retry delays (the brief's 1 s, 5 s, 30 s): a failed event waits on the
 * retry topic of the step, then is handled again; after the last step it is dead-lettered.
 */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1_000, 5_000, 30_000];

const TOPIC_NAME_PART = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/**
 * The ONE place a retry topic is named: `seckill.retry.<group>.<delay>`, e.g.
 * `seckill.retry.inventory-service.5s`. Per consumer group, so that another group never sees
 * (nor re-handles) inventory-service's retries; per delay, so that every message of a topic waits
 * the same time and the head of a partition is always the next one due.
 */
export function retryTopic(consumerGroup: string, delayMs: number): RetryTopicName {
  if (!TOPIC_NAME_PART.test(consumerGroup) || consumerGroup.length > 200) {
    throw new Error(`consumer group "${consumerGroup}" cannot be part of a topic name`);
  }
  if (!Number.isInteger(delayMs) || delayMs <= 0) {
    throw new Error(`retry delay must be a positive whole number of ms, got ${delayMs}`);
  }
  const delay = delayMs % 1000 === 0 ? `${delayMs / 1000}s` : `${delayMs}ms`;
  return `seckill.retry.${consumerGroup}.${delay}`;
}

/** The retry topics of the given consumer groups, for provisioning. */
export function retryTopicSpecs(
  consumerGroups: readonly string[],
  delaysMs: readonly number[] = DEFAULT_RETRY_DELAYS_MS,
): TopicSpec[] {
  return consumerGroups.flatMap((group) =>
    delaysMs.map((delayMs) => ({
      name: retryTopic(group, delayMs),
      key: 'original key' as const,
      retentionMs: 7 * DAY_MS,
      description: `Events ${group} failed to handle, waiting ${delayMs} ms for their next attempt.`,
    })),
  );
}

export function topicSpec(name: TopicName): TopicSpec {
  const spec = TOPIC_CATALOGUE.find((t) => t.name === name);
  if (!spec) throw new Error(`topic "${name}" is not in the catalogue`);
  return spec;
}
