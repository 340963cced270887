/**
 * The shop's messaging topology as Kafka itself holds it: every catalogue topic and how many
 * messages were ever appended to it (the sum of its partitions' log ends), and every consumer
 * group with the topics it has committed on, its committed position and its lag. Read through
 * the same helpers as the drain bench and the load engine (infra/local/group-lag.ts); the
 * formatting below is pure.
 */
import type { Admin } from 'kafkajs';
import {
  type GroupCommits,
  type GroupPosition,
  groupPosition,
  positions,
  readCommits,
  readEnds,
  repeatEvery,
} from '../engine/infra';
import { type Log, errorText, since } from './demo';

export interface GroupTopology extends GroupPosition {
  /** The catalogue topics it has committed on (its retry topics left out). */
  readonly topics: readonly string[];
}

export interface TopologySnapshot {
  readonly atMs: number;
  /** Catalogue topic → messages ever appended (sum of its partitions' log ends). */
  readonly topics: ReadonlyMap<string, number>;
  /** Consumer group → where it stands on everything it reads (retry topics included). */
  readonly groups: ReadonlyMap<string, GroupTopology>;
}

export async function readTopology(
  admin: Admin,
  topics: readonly string[],
  groups: readonly string[],
): Promise<TopologySnapshot> {
  const atMs = Date.now();
  const commits: GroupCommits[] = await Promise.all(groups.map((g) => readCommits(admin, g)));
  const ends = await readEnds(admin, [
    ...new Set([...topics, ...commits.flatMap((c) => [...c.keys()])]),
  ]);
  const messages = new Map(
    topics.map((t) => [
      t,
      Number([...(ends.get(t)?.values() ?? [])].reduce((sum, p) => sum + p.high, 0n)),
    ]),
  );
  return {
    atMs,
    topics: messages,
    groups: new Map(
      groups.map((g, i) => [
        g,
        {
          ...groupPosition(commits[i], ends),
          topics: topics.filter((t) => commits[i].has(t)),
        },
      ]),
    ),
  };
}

const n = (value: number): string => value.toLocaleString('en-US');
const short = (group: string): string => group.replace(/-service$/, '');

/** Topic, messages, the groups that read it: who consumes what, as the seed's diagram draws it. */
export function topologyRows(snapshot: TopologySnapshot): string[][] {
  return [...snapshot.topics].map(([topic, count]) => [
    topic,
    n(count),
    [...snapshot.groups]
      .filter(([, g]) => g.topics.includes(topic))
      .map(([name]) => short(name))
      .join(', ') || '-',
  ]);
}

/**
 * One progress line pair: what was published on each topic and what each group handled since
 * `first`, with each group's lag now. Topics with nothing new are left out.
 */
export function tickLines(first: TopologySnapshot, now: TopologySnapshot): string[] {
  const published = [...now.topics]
    .map(([topic, count]) => [topic, count - (first.topics.get(topic) ?? 0)] as const)
    .filter(([, delta]) => delta > 0)
    .map(([topic, delta]) => `${topic} +${n(delta)}`);
  const consumed = [...now.groups].map(
    ([name, g]) =>
      `${short(name)} +${n(g.read - (first.groups.get(name)?.read ?? g.read))} (lag ${n(g.lag)})`,
  );
  return [
    `${since(first.atMs, now.atMs)}  published: ${published.join(' · ') || 'nothing new yet'}`,
    `        consumed: ${consumed.join(' · ')}`,
  ];
}

/** "payment 120 · inventory 0": each group's lag, as one line. */
export function lagLine(lags: Readonly<Record<string, GroupPosition>>): string {
  return Object.entries(lags)
    .map(([group, p]) => `${short(group)} ${n(p.lag)}`)
    .join(' · ');
}

/** The highest lag seen per group, updated by `lagPeaks`. */
export type Peaks = ReadonlyMap<string, number>;

export function lagPeaks(peaks: Peaks, lags: Readonly<Record<string, GroupPosition>>): Peaks {
  const next = new Map(peaks);
  for (const [group, p] of Object.entries(lags))
    next.set(group, Math.max(next.get(group) ?? 0, p.lag));
  return next;
}

export interface LagWatch {
  /** Stops the printing; resolves to each group's highest lag seen. */
  stop(): Promise<Peaks>;
}

/**
 * Prints every group's lag every `everyMs` while something else (a chaos run) works: the
 * watcher sees the backlog grow and drain as it happens, not in the summary afterwards.
 */
export function watchLag(
  admin: Admin,
  groups: readonly string[],
  everyMs: number,
  log: Log,
): LagWatch {
  const startMs = Date.now();
  let peaks: Peaks = new Map();
  const loop = repeatEvery(everyMs, async () => {
    try {
      const lags = await positions(admin, groups);
      peaks = lagPeaks(peaks, lags);
      log(`${since(startMs, Date.now())}  lag: ${lagLine(lags)}`);
    } catch (error) {
      // A broker just killed: the read fails for a moment; the line says so and goes on.
      log(`${since(startMs, Date.now())}  lag: unreadable (${errorText(error)})`);
    }
  });
  return {
    stop: async () => {
      await loop.stop();
      return peaks;
    },
  };
}
