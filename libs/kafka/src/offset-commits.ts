/**
 * Committing what the runner finished: the offsets of partitions handled at once go to the group
 * coordinator in one request (group commit through a Coalescer), straight from the batch payload
 * so that a stop in progress still commits the chunk in hand. A failed commit is logged, not
 * thrown: the partition's next owner reprocesses, and the inbox makes that harmless.
 */
import type { EachBatchPayload } from 'kafkajs';
import type { ServiceLogger } from '@seckill/observability';
import { Coalescer } from './coalescer';

/** A partition's offset to commit, and the payload whose consumer group commits it. */
interface OffsetToCommit {
  readonly payload: EachBatchPayload;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export class OffsetCommits {
  private readonly commits = new Coalescer<OffsetToCommit, void>(
    (offsets) => this.commitTogether(offsets),
    { maxWeight: Infinity },
  );

  constructor(private readonly logger: ServiceLogger) {}

  /** Commits `next` (the offset after the last one done) for `topic`/`partition`. */
  async commit(
    payload: EachBatchPayload,
    topic: string,
    partition: number,
    next: string,
  ): Promise<void> {
    try {
      await this.commits.add({ payload, topic, partition, offset: next });
    } catch (error) {
      // Lost the partition in a rebalance: its new owner reprocesses from the last commit,
      // and the inbox makes that harmless.
      this.logger.warn({ err: error, topic, partition, offset: next }, 'offset commit failed');
    }
  }

  /** The offsets of partitions handled at once, in one request to the group coordinator. */
  private async commitTogether(offsets: readonly OffsetToCommit[]): Promise<void[]> {
    const byTopic = new Map<string, Array<{ partition: number; offset: string }>>();
    for (const { topic, partition, offset } of offsets) {
      const partitions = byTopic.get(topic) ?? [];
      partitions.push({ partition, offset });
      byTopic.set(topic, partitions);
    }
    // Straight to the group coordinator: consumer.commitOffsets() is silently skipped once a
    // stop has begun, and the chunk in hand at SIGTERM must still be committed. Every payload of
    // this consumer commits through the same group, so the first one serves them all.
    await (offsets[0] as OffsetToCommit).payload.commitOffsetsIfNecessary({
      topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
    });
    return offsets.map(() => undefined);
  }
}
