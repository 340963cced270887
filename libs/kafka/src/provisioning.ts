import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import { DEFAULT_TOPIC_PARTITIONS, TOPIC_CATALOGUE, TopicSpec } from '@seckill/contracts';

export interface ProvisionOptions {
  /** Partitions for topics that do not set their own. */
  readonly partitions?: number;
  /** Defaults to min(3, brokers in the cluster). */
  readonly replicationFactor?: number;
  readonly topics?: readonly TopicSpec[];
  readonly log?: (line: string) => void;
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

  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.name));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((t) => ({
        topic: t.name,
        numPartitions: t.partitions ?? defaultPartitions,
        replicationFactor,
        configEntries: [
          { name: 'retention.ms', value: String(t.retentionMs) },
          { name: 'min.insync.replicas', value: String(minInsync) },
        ],
      })),
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
  await untilServed(admin, [...created, ...grown]);
  const unchanged = present.map((t) => t.name).filter((name) => !grown.includes(name));
  return { created, grown, unchanged };
}

/** How long a new partition may take to be served by its leader before provisioning gives up. */
const SERVED_TIMEOUT_MS = 30_000;

/**
 * `waitForLeaders` sees the leaders in the metadata; the leader itself can still answer
 * NOT_LEADER_FOR_PARTITION for a moment (seen on a fresh KRaft broker in CI, by the first client
 * that read a topic it had just created). Asking every new partition for its offsets until the
 * answer is clean means provisioning returns only once the topics can be used.
 */
async function untilServed(admin: Admin, topics: readonly string[]): Promise<void> {
  const deadline = Date.now() + SERVED_TIMEOUT_MS;
  for (const topic of topics) {
    for (;;) {
      try {
        await admin.fetchTopicOffsets(topic);
        break;
      } catch (error) {
        const retriable = (error as { retriable?: unknown }).retriable === true;
        if (!retriable || Date.now() > deadline) throw error;
        await sleep(100);
      }
    }
  }
}
