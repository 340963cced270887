import type { Admin } from 'kafkajs';
import { TOPIC_CATALOGUE, TopicName, TopicSpec } from '@seckill/contracts';
import { provisionTopics } from './provisioning';

/** A kafkajs protocol error as the cluster sends it while a new topic settles. */
const unknownPartition = () =>
  Object.assign(new Error('This server does not host this topic-partition'), {
    name: 'KafkaJSProtocolError',
    type: 'UNKNOWN_TOPIC_OR_PARTITION',
    retriable: true,
  });

/** What kafkajs throws when its own retries of a retriable error run out: non-retriable itself. */
const retriesExhausted = (cause: Error) =>
  Object.assign(new Error(cause.message), {
    name: 'KafkaJSNumberOfRetriesExceeded',
    retriable: false,
    cause,
  });

/**
 * An in-memory stand-in for the admin client: topic name → partition count. The first
 * `notServedYet` offset reads fail as a new partition's leader can (NOT_LEADER_FOR_PARTITION);
 * each error in `createFailures` fails one createTopics call, after it made the first half of
 * its topics (as a controller that answered for some topics and not others).
 */
function fakeAdmin(
  brokers: number,
  existing: Record<string, number> = {},
  notServedYet: number | (() => Error)[] = 0,
  createFailures: Error[] = [],
) {
  const topics = new Map(Object.entries(existing));
  const offsetReads: string[] = [];
  const createCalls: string[][] = [];
  let refusals = notServedYet;
  const created: Array<{
    topic: string;
    numPartitions?: number;
    replicationFactor?: number;
    configEntries?: unknown;
  }> = [];
  const admin = {
    describeCluster: async () => ({
      brokers: Array.from({ length: brokers }, (_, i) => ({ nodeId: i })),
    }),
    listTopics: async () => [...topics.keys()],
    createTopics: async ({ topics: list }: { topics: typeof created }) => {
      createCalls.push(list.map((t) => t.topic));
      const failure = createFailures.shift();
      for (const t of failure ? list.slice(0, list.length / 2) : list) {
        topics.set(t.topic, t.numPartitions ?? 1);
        created.push(t);
      }
      if (failure) throw failure;
      return true;
    },
    fetchTopicMetadata: async ({ topics: names }: { topics: string[] }) => ({
      topics: names.map((name) => ({
        name,
        partitions: Array.from({ length: topics.get(name) ?? 0 }, (_, i) => ({ partitionId: i })),
      })),
    }),
    createPartitions: async ({
      topicPartitions,
    }: {
      topicPartitions: Array<{ topic: string; count: number }>;
    }) => {
      for (const p of topicPartitions) topics.set(p.topic, p.count);
      return true;
    },
    fetchTopicOffsets: async (topic: string) => {
      offsetReads.push(topic);
      if (Array.isArray(refusals)) {
        const refusal = refusals.shift();
        if (refusal) throw refusal();
      } else if (refusals-- > 0) {
        throw Object.assign(new Error('This server is not the leader for that topic-partition'), {
          retriable: true,
        });
      }
      return [];
    },
  };
  return { admin: admin as unknown as Admin, topics, created, offsetReads, createCalls };
}

describe('provisionTopics', () => {
  it('creates every catalogue topic with the configured partitions and RF min(3, brokers)', async () => {
    const { admin, topics, created } = fakeAdmin(3);
    const result = await provisionTopics(admin, { partitions: 12 });
    expect(result.created.sort()).toEqual(TOPIC_CATALOGUE.map((t) => t.name).sort());
    expect([...topics.values()].every((p) => p === 12)).toBe(true);
    expect(created.every((t) => t.replicationFactor === 3)).toBe(true);
    expect(created[0]?.configEntries).toContainEqual({ name: 'min.insync.replicas', value: '2' });
  });

  it('uses RF 1 and min.insync.replicas 1 on a single broker', async () => {
    const { admin, created } = fakeAdmin(1);
    await provisionTopics(admin);
    expect(created.every((t) => t.replicationFactor === 1)).toBe(true);
    expect(created[0]?.configEntries).toContainEqual({ name: 'min.insync.replicas', value: '1' });
  });

  it('returns only once every new topic is served, asking again while its leader is not ready', async () => {
    const { admin, offsetReads } = fakeAdmin(1, {}, 2);
    const result = await provisionTopics(admin);
    // Each created topic read until clean: the first one three times (two refusals), then once.
    expect(offsetReads).toEqual([result.created[0], result.created[0], ...result.created]);
  });

  it('creates what a refused create left out, when the cluster refused it for a moment', async () => {
    const refusal = Object.assign(new Error('Error in createTopics'), {
      name: 'KafkaJSAggregateError',
      errors: [unknownPartition(), unknownPartition()],
    });
    const { admin, created, createCalls } = fakeAdmin(3, {}, 0, [refusal]);
    const result = await provisionTopics(admin);
    expect(createCalls).toHaveLength(2);
    // The second call asks only for the topics the first did not make; each is made once.
    expect(createCalls[1]).toEqual(
      TOPIC_CATALOGUE.slice(TOPIC_CATALOGUE.length / 2).map((t) => t.name),
    );
    expect(created.map((t) => t.topic).sort()).toEqual(result.created.sort());
    expect(result.created).toHaveLength(TOPIC_CATALOGUE.length);
  });

  it('waits out UNKNOWN_TOPIC_OR_PARTITION, also when kafkajs gave up on it first', async () => {
    const { admin, offsetReads } = fakeAdmin(3, {}, [
      unknownPartition,
      () => retriesExhausted(unknownPartition()),
    ]);
    const result = await provisionTopics(admin);
    expect(offsetReads).toEqual([result.created[0], result.created[0], ...result.created]);
  });

  it('fails at once on an error that waiting cannot cure', async () => {
    const policy = Object.assign(new Error('Topic replication factor must be positive'), {
      name: 'KafkaJSProtocolError',
      type: 'INVALID_REPLICATION_FACTOR',
      retriable: false,
    });
    const { admin, createCalls } = fakeAdmin(3, {}, 0, [policy]);
    await expect(provisionTopics(admin)).rejects.toBe(policy);
    expect(createCalls).toHaveLength(1);
  });

  it('gives up with the last error when the cluster does not settle in time', async () => {
    const endless = Array.from({ length: 1000 }, () => unknownPartition);
    const { admin } = fakeAdmin(1, {}, endless);
    await expect(provisionTopics(admin, { settleTimeoutMs: 0 })).rejects.toThrow(
      'This server does not host this topic-partition',
    );
  });

  it('is idempotent: a second run changes nothing', async () => {
    const { admin } = fakeAdmin(1);
    await provisionTopics(admin, { partitions: 6 });
    const again = await provisionTopics(admin, { partitions: 6 });
    expect(again.created).toEqual([]);
    expect(again.grown).toEqual([]);
    expect(again.unchanged).toHaveLength(TOPIC_CATALOGUE.length);
  });

  it('grows a topic that has fewer partitions than configured, and never shrinks one', async () => {
    const few: TopicSpec = {
      name: 'order.created' as TopicName,
      key: 'orderId',
      retentionMs: 1000,
      description: 'test',
    };
    const many: TopicSpec = {
      name: 'payment.failed' as TopicName,
      key: 'orderId',
      retentionMs: 1000,
      description: 'test',
    };
    const { admin, topics } = fakeAdmin(1, { 'order.created': 3, 'payment.failed': 24 });
    const result = await provisionTopics(admin, { partitions: 12, topics: [few, many] });
    expect(result.grown).toEqual(['order.created']);
    expect(topics.get('order.created')).toBe(12);
    expect(topics.get('payment.failed')).toBe(24);
  });
});
