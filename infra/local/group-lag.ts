/**
 * How far behind the shop's consumer groups are, read from Kafka itself (committed offsets
 * against the log ends), so it holds whatever the services report: the drain bench samples it,
 * and the load engine waits for it to reach 0 before each stage it measures.
 */
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { fixKafkajsIdleSpin } from '@seckill/kafka';
import { infraEndpoints, runningKafkaBrokers } from './infra';
import { SHOP_CONSUMER_GROUPS } from './topics';
import { setTimeout as sleep } from 'node:timers/promises';

export interface PartitionEnds {
  readonly low: bigint;
  readonly high: bigint;
}

/** topic → partition → its log start and end offsets. */
export type TopicEnds = ReadonlyMap<string, ReadonlyMap<number, PartitionEnds>>;

/** topic → partition → a group's committed offset (the next it reads; -1: never committed). */
export type GroupCommits = ReadonlyMap<string, ReadonlyMap<number, bigint>>;

export interface GroupPosition {
  /** Events on the group's topics it has not handled (and committed) yet. */
  readonly lag: number;
  /** Sum of its positions: the difference of two samples is what it handled in between. */
  readonly read: number;
}

/**
 * Where a group stands on the topics it has committed on. A partition without a commit counts
 * from its log start: the runner subscribes from the beginning.
 */
export function groupPosition(commits: GroupCommits, ends: TopicEnds): GroupPosition {
  let lag = 0n;
  let read = 0n;
  for (const [topic, committed] of commits) {
    for (const [partition, { low, high }] of ends.get(topic) ?? []) {
      const offset = committed.get(partition) ?? -1n;
      const position = offset < low ? low : offset > high ? high : offset;
      lag += high - position;
      read += position;
    }
  }
  return { lag: Number(lag), read: Number(read) };
}

/** An admin client on the local shop's broker(s); the caller connects and disconnects it. */
export function localKafkaAdmin(clientId: string): Admin {
  // The tool's own lag polling must not spin a core share away from the shop it measures.
  fixKafkajsIdleSpin();
  return new Kafka({
    clientId,
    brokers: [...infraEndpoints(runningKafkaBrokers() ?? 1).kafkaBrokers],
    logLevel: logLevel.NOTHING,
  }).admin();
}

/** Each group's position on the topics it has committed on, read now. */
export async function positions(
  admin: Admin,
  groups: readonly string[],
): Promise<Record<string, GroupPosition>> {
  const commits = await Promise.all(groups.map((g) => readCommits(admin, g)));
  const ends = await readEnds(admin, [...new Set(commits.flatMap((c) => [...c.keys()]))]);
  return Object.fromEntries(groups.map((g, i) => [g, groupPosition(commits[i], ends)]));
}

/** A group's committed offsets: on `topics`, or on every topic it has committed on. */
export async function readCommits(
  admin: Admin,
  groupId: string,
  topics?: string[],
): Promise<GroupCommits> {
  const answer = await admin.fetchOffsets({ groupId, topics });
  return new Map(
    answer.map(({ topic, partitions }) => [
      topic,
      new Map(partitions.map(({ partition, offset }) => [partition, BigInt(offset)])),
    ]),
  );
}

/** Reads of a topic's offsets tried before giving up, and the pause between two. */
const OFFSET_READ_ATTEMPTS = 5;
const OFFSET_READ_PAUSE_MS = 500;

/**
 * A topic's log start and end per partition. kafkajs's admin fails this read while a partition
 * has no known leader (a cluster just started, a broker just killed or back: "Cannot
 * destructure property 'partitions' of 'high.pop(...)'"); it is tried again a few times, since
 * the leaders are elected within seconds, and the last failure is thrown.
 */
export async function fetchTopicOffsets(
  admin: Pick<Admin, 'fetchTopicOffsets'>,
  topic: string,
  pause: (ms: number) => Promise<void> = sleep,
): Promise<Awaited<ReturnType<Admin['fetchTopicOffsets']>>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (error) {
      if (attempt >= OFFSET_READ_ATTEMPTS) throw error;
      await pause(OFFSET_READ_PAUSE_MS);
    }
  }
}

export async function readEnds(admin: Admin, topics: readonly string[]): Promise<TopicEnds> {
  const entries = await Promise.all(
    topics.map(async (topic) => {
      const answer = await fetchTopicOffsets(admin, topic);
      const partitions = new Map(
        answer.map(({ partition, low, high }) => [
          partition,
          { low: BigInt(low), high: BigInt(high) },
        ]),
      );
      return [topic, partitions] as const;
    }),
  );
  return new Map(entries);
}

/** "inventory 120, payment 4" for the groups still behind. */
export function behindLine(lags: Readonly<Record<string, GroupPosition>>): string {
  return Object.entries(lags)
    .filter(([, p]) => p.lag > 0)
    .map(([g, p]) => `${g.replace(/-service$/, '')} ${p.lag}`)
    .join(', ');
}

/**
 * Waits until every shop consumer group has handled everything on its topics, up to `maxSec`:
 * the saga's backlog from earlier load competes with the load about to be measured, and the
 * shop's rehearsal is done only once its saga is. Returns the
 * seconds waited, or null if it was still behind at `maxSec` (the caller says so and goes on).
 */
export async function waitSagaIdle(
  admin: Admin,
  maxSec: number,
  log: (line: string) => void,
  groups: readonly string[] = SHOP_CONSUMER_GROUPS,
): Promise<number | null> {
  const started = Date.now();
  let lastLogged = started;
  for (;;) {
    const behind = behindLine(await positions(admin, groups));
    const waited = (Date.now() - started) / 1000;
    if (behind === '') {
      if (waited >= 1) log(`  the saga caught up in ${waited.toFixed(1)} s`);
      return waited;
    }
    if (waited >= maxSec) {
      log(`  the saga is still behind after ${maxSec} s (${behind}); going on`);
      return null;
    }
    if (Date.now() - lastLogged >= 2000) {
      lastLogged = Date.now();
      log(`  waiting for the saga to catch up: ${behind}`);
    }
    await sleep(250);
  }
}
