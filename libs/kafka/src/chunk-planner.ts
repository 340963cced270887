/**
 * Where the next chunk of a fetched batch ends, and where the partition stops: up to
 * `maxBatchEvents` messages, cut before a retry that is not due yet, then cut to what the rate
 * cap lets through now. The batch loop only runs what this plans, so "how much at once, and why
 * it stopped" is answered here and nowhere else.
 */
import type { KafkaMessage } from 'kafkajs';
import type { PauseReason } from './consumer-metrics';
import type { Clock } from './rate-limit';
import type { RateCap } from './rate-cap';
import { retryStateOf } from './retry';

/** Where a partition stops for now, and for how long. */
export interface Halt {
  readonly offset: string;
  readonly delayMs: number;
  readonly reason: PauseReason;
}

export interface ChunkPlan {
  /** The chunk is messages[from, end); none goes now if `end` is `from`. */
  readonly end: number;
  /** Where the partition stops after the chunk (at once if it is empty); undefined: go on. */
  readonly halt?: Halt;
}

export interface ChunkPlannerOptions {
  readonly maxBatchEvents: number;
  /** Retry topics carry `retry-not-before`: a chunk ends before the first message not due. */
  readonly isRetryTopic: (topic: string) => boolean;
  readonly rateCap: RateCap;
  readonly clock: Clock;
}

export class ChunkPlanner {
  constructor(private readonly options: ChunkPlannerOptions) {}

  /** The chunk of `messages` (a fetched batch of `topic`/`partition`) that starts at `from`. */
  plan(
    topic: string,
    partition: number,
    messages: readonly KafkaMessage[],
    from: number,
  ): ChunkPlan {
    const { maxBatchEvents, isRetryTopic, rateCap, clock } = this.options;
    const retries = isRetryTopic(topic);
    let end = from;
    let due: Halt | undefined;
    const now = clock();
    while (end < messages.length && end - from < maxBatchEvents) {
      const message = messages[end] as KafkaMessage;
      if (retries) {
        const { notBefore } = retryStateOf(message, topic, partition);
        if (notBefore > now) {
          due = { offset: message.offset, delayMs: notBefore - now, reason: 'retry_not_due' };
          break;
        }
      }
      end += 1;
    }
    if (end === from) return { end, halt: due };
    const cap = rateCap.take(end - from);
    if ('waitMs' in cap) {
      const offset = (messages[from] as KafkaMessage).offset;
      return { end: from, halt: { offset, delayMs: cap.waitMs, reason: cap.reason } };
    }
    // Cut short by the cap: the retry that was not due is not reached yet.
    if (cap.take < end - from) return { end: from + cap.take };
    return { end, halt: due };
  }
}
