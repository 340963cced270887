import { Kafka, logLevel } from 'kafkajs';
import {
  ConsumerGroup,
  DEFAULT_TOPIC_PARTITIONS,
  retryTopicSpecs,
  TOPIC_CATALOGUE,
} from '@seckill/contracts';
import { provisionTopics, ProvisionResult } from '@seckill/kafka';

/**
 * The shop's consumer groups (the catalogue's ConsumerGroup: each service consumes as its own
 * name); each has its own retry topics, so that one group never sees another's retries.
 */
export const SHOP_CONSUMER_GROUPS = Object.values(ConsumerGroup);

/** Every topic the shop needs: the catalogue, and the retry topics of every consumer group. */
export function shopTopics() {
  return [...TOPIC_CATALOGUE, ...retryTopicSpecs(SHOP_CONSUMER_GROUPS)];
}

/** Creates (or grows) every catalogue and retry topic on the given cluster; idempotent. */
export async function provisionAllTopics(
  brokers: readonly string[],
  log: (line: string) => void,
  partitions = Number(process.env.KAFKA_TOPIC_PARTITIONS ?? DEFAULT_TOPIC_PARTITIONS),
): Promise<ProvisionResult> {
  const kafka = new Kafka({
    clientId: 'seckill-provisioner',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const result = await provisionTopics(admin, { partitions, log, topics: shopTopics() });
    log(
      `topics: ${result.created.length} created, ${result.grown.length} grown, ${result.unchanged.length} already present`,
    );
    return result;
  } finally {
    await admin.disconnect();
  }
}
