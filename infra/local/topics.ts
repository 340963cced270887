import { Kafka, logLevel } from 'kafkajs';
import { DEFAULT_TOPIC_PARTITIONS } from '@seckill/contracts';
import { provisionTopics, ProvisionResult } from '@seckill/kafka';

/** Creates (or grows) every catalogue topic on the given cluster; idempotent. */
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
    const result = await provisionTopics(admin, { partitions, log });
    log(
      `topics: ${result.created.length} created, ${result.grown.length} grown, ${result.unchanged.length} already present`,
    );
    return result;
  } finally {
    await admin.disconnect();
  }
}
