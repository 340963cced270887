import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import { DEFAULT_TOPIC_PARTITIONS, TOPIC_CATALOGUE, TopicSpec } from '@seckill/contracts';
import { isRetriableKafkaError } from './errors';

export interface ProvisionOptions {
  /** Partitions for topics that do not set their own. */
  readonly partitions?: number;
  /** Defaults to min(3, brokers in the cluster). */
  readonly replicationFactor?: number;
  readonly topics?: readonly TopicSpec[];
  readonly log?: (line: string) => void;
  /** How long a fresh cluster may keep answering "not yet" (default 30 s). */
  readonly settleTimeoutMs?: number;
}

export interface ProvisionResult {
  readonly created: string[];
  readonly grown: string[];
  readonly unchanged: string[];
}

/**
 * Creates every catalogue topic that is missing and grows any that has fewer partitions than
 * configured. Idempotent: run it on every start. It never shrinks a topic (Kafka cannot) and
 * never deletes one.
 */
export async function provisionTopics(
  admin: Admin,
  options: ProvisionOptions = {},
): Promise<ProvisionResult> {
  const log = options.log ?? (() => undefined);
  const topics = options.topics ?? TOPIC_CATALOGUE;
  const defaultPartitions = options.partitions ?? DEFAULT_TOPIC_PARTITIONS;
  const cluster = await admin.describeCluster();
  const replicationFactor = options.replicationFactor ?? Math.min(3, cluster.brokers.length);
  const minInsync = replicationFactor >= 3 ? 2 : 1;

  const deadline = Date.now() + (options.settleTimeoutMs ?? SETTLE_TIMEOUT_MS);
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.name));
  if (missing.length > 0) {
    await whileSettling(deadline, async () => {
      // Asked again on every attempt: a create the broker refused half-way made some of them.
      const present = new Set(await admin.listTopics());
      const toCreate = missing.filter((t) => !present.has(t.name));
      if (toCreate.length === 0) return;
      await admin.createTopics({
        // Waited for below, on every partition: kafkajs's own wait gives up on any answer but
        // LEADER_NOT_AVAILABLE, and a broker of a fresh cluster can answer
        // UNKNOWN_TOPIC_OR_PARTITION for a topic the controller has just made (seen in CI).
        waitForLeaders: false,
        topics: toCreate.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions ?? defaultPartitions,
          replicationFactor,
          configEntries: [
            { name: 'retention.ms', value: String(t.retentionMs) },
            { name: 'min.insync.replicas', value: String(minInsync) },
          ],
        })),
      });
    });
    for (const t of missing) {
      log(
        `created ${t.name} (${t.partitions ?? defaultPartitions} partitions, RF ${replicationFactor})`,
      );
    }
  }

  const present = topics.filter((t) => existing.has(t.name));
  const grown: string[] = [];
  if (present.length > 0) {
    const metadata = await admin.fetchTopicMetadata({ topics: present.map((t) => t.name) });
    const growth = metadata.topics
      .map((m) => ({
        topic: m.name,
        have: m.partitions.length,
        want: present.find((t) => t.name === m.name)?.partitions ?? defaultPartitions,
      }))
      .filter((g) => g.want > g.have);
    if (growth.length > 0) {
      await admin.createPartitions({
        topicPartitions: growth.map((g) => ({ topic: g.topic, count: g.want })),
      });
      for (const g of growth) {
        log(`grew ${g.topic} from ${g.have} to ${g.want} partitions`);
        grown.push(g.topic);
      }
    }
  }
  const created = missing.map((t) => t.name);
  for (const topic of [...created, ...grown]) {
    await whileSettling(deadline, () => admin.fetchTopicOffsets(topic));
  }
  const unchanged = present.map((t) => t.name).filter((name) => !grown.includes(name));
  return { created, grown, unchanged };
}

/** How long a new cluster may take to create and serve the topics before provisioning gives up. */
const SETTLE_TIMEOUT_MS = 30_000;

/**
 * Runs `step` until it succeeds, again after 100 ms while the cluster answers with a retriable
 * error, until `deadline`. A fresh KRaft cluster settles for a moment after it reports ready: a
 * broker can answer UNKNOWN_TOPIC_OR_PARTITION or NOT_LEADER_FOR_PARTITION for a partition the
 * controller has just created (both seen in CI, by the first client to use a new topic). Asking
 * every new partition for its offsets until the answer is clean means provisioning returns only
 * once the topics can be used.
 */
async function whileSettling<T>(deadline: number, step: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await step();
    } catch (error) {
      if (!isRetriableKafkaError(error) || Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}
