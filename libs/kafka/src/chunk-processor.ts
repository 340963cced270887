/**
 * One chunk of a partition, from messages to outcomes: decode, apply the events in the shared
 * transaction, fall back to one transaction per event when that fails (so only the failing event
 * takes the failure path), publish the retry and dead-letter records, count. It answers how many
 * messages (a prefix) are done, which is all the batch loop needs to commit and move on; the
 * transaction, the routing and the decoding are each in their own file.
 */
import type { KafkaMessage } from 'kafkajs';
import type { ServiceLogger } from '@seckill/observability';
import type { EventItem, Item, ItemDecoder } from './consumed-item';
import type { ConsumerMetrics } from './consumer-metrics';
import type { FailureRouter, Outcome } from './failure-routing';
import {
  HandlerFailure,
  type InboxTransactions,
  SharedTransactionFailure,
} from './inbox-transaction';
import type { OutgoingRecord } from './publisher';

export interface ChunkProcessorParts {
  readonly decoder: ItemDecoder;
  readonly transactions: InboxTransactions;
  readonly router: FailureRouter;
  /** Publishes the retry and dead-letter records (the EventPublisher's `send`). */
  readonly publish: (records: readonly OutgoingRecord[]) => Promise<void>;
  readonly metrics: ConsumerMetrics;
  readonly logger: ServiceLogger;
}

export class ChunkProcessor {
  constructor(private readonly parts: ChunkProcessorParts) {}

  /**
   * Handles a chunk and resolves with how many of its messages (a prefix) are done: their effects
   * committed and their retry/dead-letter records published. Fewer than all means the database
   * or the broker was unavailable at the first one not done.
   */
  async process(topic: string, partition: number, chunk: readonly KafkaMessage[]): Promise<number> {
    const { decoder, router, logger } = this.parts;
    const started = performance.now();
    const items = chunk.map((message) => decoder.decode(topic, partition, message));
    const outcomes: Array<Outcome | undefined> = new Array(items.length);
    items.forEach((item, n) => {
      if (item.kind === 'event') return;
      outcomes[n] = router.deadLetterOf(item, item.reason, item.detail, 0);
    });
    const events = items
      .map((item, n) => ({ item, n }))
      .filter((e): e is { item: EventItem; n: number } => e.item.kind === 'event');

    let done = items.length;
    if (events.length > 0 && !(await this.applyTogether(topic, partition, events, outcomes))) {
      done = (await this.applyOneByOne(topic, partition, events, outcomes)) ?? done;
    }

    const publish = outcomes
      .slice(0, done)
      .flatMap((outcome) => (outcome?.record ? [outcome.record] : []));
    if (publish.length > 0) {
      try {
        // If these records cannot be published, nothing of the chunk is acknowledged: it is read
        // again, its committed events are duplicates, the failed ones fail and publish again.
        await this.parts.publish(publish);
      } catch (error) {
        logger.warn(
          { err: error, topic, partition },
          'retry/dead-letter records not published; pausing the partition',
        );
        return 0;
      }
    }
    const seconds = (performance.now() - started) / 1000;
    for (let n = 0; n < done; n++) this.count(items[n] as Item, outcomes[n], seconds);
    return done;
  }

  /**
   * The chunk's events in the transaction shared with other partitions. False if they must be
   * run one by one instead; the outcomes it settles are written into `outcomes`.
   */
  private async applyTogether(
    topic: string,
    partition: number,
    events: ReadonlyArray<{ item: EventItem; n: number }>,
    outcomes: Array<Outcome | undefined>,
  ): Promise<boolean> {
    try {
      const results = await this.parts.transactions.applyShared(events.map((e) => e.item));
      results.forEach((result, k) => {
        outcomes[(events[k] as { n: number }).n] = { result };
      });
      return true;
    } catch (error) {
      const only = events.length === 1 ? (events[0] as { item: EventItem; n: number }) : null;
      if (only && error instanceof SharedTransactionFailure && error.chunk.includes(only.item)) {
        // The chunk's only event failed: that was its attempt, it is not run again.
        outcomes[only.n] = this.parts.router.failureOf(only.item, error.failure.error);
        return true;
      }
      // The shared transaction failed: each event of the chunk runs alone, so only the
      // failing one takes the failure path (the other partitions' chunks do the same). The
      // failing event is run once more as well; for a deadlock or serialization failure
      // caused by the batch that is the quick in-process retry (there is no other: any
      // further attempt waits on a retry topic, not in this loop).
      this.parts.logger.info(
        { err: error, topic, partition, events: events.length },
        'shared transaction failed; handling the chunk event by event',
      );
      return false;
    }
  }

  /**
   * Each event in a transaction of its own, in order. Resolves with the chunk position of the
   * event at which the store itself failed (nothing from there on is done), if it did.
   */
  private async applyOneByOne(
    topic: string,
    partition: number,
    events: ReadonlyArray<{ item: EventItem; n: number }>,
    outcomes: Array<Outcome | undefined>,
  ): Promise<number | undefined> {
    for (const { item, n } of events) {
      try {
        const [result] = await this.parts.transactions.apply([item]);
        outcomes[n] = result && { result };
      } catch (error) {
        if (!(error instanceof HandlerFailure)) {
          // The store itself failed (database down, commit failed): not the event's fault, so
          // no attempt is spent; the partition waits and this event is read again.
          this.parts.logger.warn(
            { err: error, eventId: item.event.eventId, topic, partition },
            'consumer transaction failed; pausing the partition',
          );
          return n;
        }
        outcomes[n] = this.parts.router.failureOf(item, error.error);
      }
    }
    return undefined;
  }

  private count(item: Item, outcome: Outcome | undefined, seconds: number): void {
    if (!outcome) return;
    this.parts.metrics.outcome(item, outcome, seconds);
    if (outcome.result === 'dead_lettered') {
      const { topic, partition, offset } = item.origin;
      const reason = outcome.reason ?? 'UNKNOWN';
      this.parts.logger.warn(
        { topic, partition, offset, reason },
        'event sent to the dead-letter topic',
      );
    }
  }
}
