/**
 * Proves that the installed kafkajs client works against a running broker: admin createTopics,
 * an idempotent producer (acks -1), a consumer group that consumes and commits, and admin
 * fetchOffsets showing the committed offset. Used to choose KAFKA_VERSION (infra/local/kafka.ts);
 * the integration test runs the same check against the runner's broker(s).
 *
 *   node -r @swc-node/register infra/kafka/kafkajs-compat.ts 127.0.0.1:9092[,...]
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';

export interface CompatResult {
  readonly ok: boolean;
  readonly steps: readonly string[];
  readonly error?: string;
}

export async function checkKafkajsCompat(
  brokers: readonly string[],
  opts: { replicationFactor?: number; timeoutMs?: number } = {},
): Promise<CompatResult> {
  const steps: string[] = [];
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const kafka = new Kafka({
    clientId: 'seckill-compat-check',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    retry: { retries: 5 },
  });
  const topic = `compat-${randomUUID()}`;
  const groupId = `compat-group-${randomUUID()}`;
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  let timer: NodeJS.Timeout | undefined;
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    steps.push(
      `describeCluster: ${cluster.brokers.length} broker(s), controller ${cluster.controller}`,
    );
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: 2,
          replicationFactor: opts.replicationFactor ?? cluster.brokers.length,
        },
      ],
    });
    steps.push(`createTopics: ${created ? 'created' : 'already existed'} ${topic}`);

    await producer.connect();
    const sent = await producer.send({
      topic,
      acks: -1,
      messages: [
        { key: 'k1', value: 'v1' },
        { key: 'k2', value: 'v2' },
        { key: 'k3', value: 'v3' },
      ],
    });
    steps.push(
      `producer.send (idempotent, acks -1): ${sent.map((r) => `p${r.partition}@${r.baseOffset}`).join(' ')}`,
    );

    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const seen = new Map<number, string>();
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`consumer saw ${seen.size}/3 messages in ${timeoutMs} ms`)),
        timeoutMs,
      );
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            seen.set(partition * 1_000_000 + Number(message.offset), String(message.value));
            await consumer.commitOffsets([
              { topic, partition, offset: String(Number(message.offset) + 1) },
            ]);
            if (seen.size >= 3) resolve();
          },
        })
        .catch(reject);
    });
    steps.push(`consumer group ${groupId}: consumed ${seen.size} message(s) and committed`);

    const fetched = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = fetched
      .flatMap((t) => t.partitions)
      .reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    steps.push(
      `fetchOffsets: ${fetched.flatMap((t) => t.partitions.map((p) => `p${p.partition}=${p.offset}`)).join(' ')}`,
    );
    if (committed !== 3)
      throw new Error(`fetchOffsets shows committed offsets summing to ${committed}, expected 3`);

    const topicOffsets = await admin.fetchTopicOffsets(topic);
    steps.push(
      `fetchTopicOffsets (ListOffsets): ${topicOffsets.map((p) => `p${p.partition}=${p.low}..${p.high}`).join(' ')}`,
    );
    const groups = await admin.describeGroups([groupId]);
    steps.push(
      `describeGroups: ${groups.groups.map((g) => `${g.groupId} ${g.state} ${g.protocolType}`).join(', ')}`,
    );

    const txProducer = kafka.producer({
      transactionalId: `compat-tx-${randomUUID()}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await txProducer.connect();
    try {
      const tx = await txProducer.transaction();
      await tx.send({ topic, messages: [{ key: 'tx', value: 'in-transaction' }] });
      await tx.sendOffsets({
        consumerGroupId: groupId,
        topics: [{ topic, partitions: [{ partition: 0, offset: '1' }] }],
      });
      await tx.commit();
      steps.push('transactional producer: send + sendOffsets + commit');
    } finally {
      await txProducer.disconnect().catch(() => undefined);
    }

    await admin.deleteTopics({ topics: [topic] });
    steps.push(`deleteTopics: ${topic}`);
    return { ok: true, steps };
  } catch (err) {
    return {
      ok: false,
      steps,
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    };
  } finally {
    if (timer) clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

if (require.main === module) {
  const brokers = (process.argv[2] ?? '127.0.0.1:9092').split(',');
  checkKafkajsCompat(brokers).then(
    (r) => {
      for (const s of r.steps) process.stdout.write(`  ok  ${s}\n`);
      if (!r.ok) process.stdout.write(`  FAIL ${r.error}\n`);
      process.exit(r.ok ? 0 : 1);
    },
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(2);
    },
  );
}
