import type { Admin } from 'kafkajs';

/**
 * Where a consumer group stands on a topic: per partition, the offset it will read next (Kafka's
 * committed offset; every event before it has been handled and committed). A partition the group
 * never committed on is -1, so no event there counts as read.
 */
export type CommittedOffsets = ReadonlyMap<number, bigint>;

/** Reads a group's committed offsets; KafkaConnection implements it with the service's admin. */
export interface ConsumerGroupOffsets {
  committedOffsets(groupId: string, topic: string): Promise<CommittedOffsets>;
}

export async function fetchCommittedOffsets(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<CommittedOffsets> {
  const answer = await admin.fetchOffsets({ groupId, topics: [topic] });
  const partitions = answer.find((entry) => entry.topic === topic)?.partitions ?? [];
  return new Map(partitions.map(({ partition, offset }) => [partition, BigInt(offset)]));
}

/** Whether the group has read (and committed past) the event at `offset` on `partition`. */
export function hasRead(committed: CommittedOffsets, partition: number, offset: bigint): boolean {
  return (committed.get(partition) ?? -1n) > offset;
}
