/**
 * Where a failed event goes: the group's retry topic of its next delay, or the dead-letter topic
 * with its reason (NonRetriableError's, RETRIES_EXHAUSTED, or why it could not be decoded). One
 * place decides it, so "what is retried, what is dead-lettered" is read here and nowhere else;
 * the records are built by retry.ts and dead-letter.ts and published by the chunk's handling.
 */
import type { KafkaMessage } from 'kafkajs';
import type { ServiceLogger } from '@seckill/observability';
import type { EventItem, Item } from './consumed-item';
import { deadLetterRecord } from './dead-letter';
import { NonRetriableError } from './errors';
import type { OutgoingRecord } from './publisher';
import type { Clock } from './rate-limit';
import { retryRecord, withoutRetryHeaders } from './retry';

export type Result = 'processed' | 'duplicate' | 'retried' | 'dead_lettered';

/** What became of one message: the result, and the retry or dead-letter record to publish. */
export interface Outcome {
  readonly result: Result;
  readonly record?: OutgoingRecord;
  /** The dead-letter reason. */
  readonly reason?: string;
}

export interface FailureRoutingOptions {
  readonly groupId: string;
  /** The delay before each retry; attempt n waits `retryDelaysMs[n - 1]`, none left: dead letter. */
  readonly retryDelaysMs: readonly number[];
  /** Overrides the catalogue's dead-letter topic (tests use their own). */
  readonly deadLetterTopic?: string;
  readonly clock: Clock;
  readonly logger: ServiceLogger;
}

export class FailureRouter {
  constructor(private readonly options: FailureRoutingOptions) {}

  /** A failed handler: the next retry topic, or the dead-letter topic. */
  failureOf(item: EventItem, error: unknown): Outcome {
    const { attempt } = item.context;
    const { logger, retryDelaysMs } = this.options;
    const detail = describeError(error);
    const log = { eventId: item.event.eventId, type: item.event.type, attempt, err: error };
    if (error instanceof NonRetriableError) {
      logger.warn(log, 'handler failed permanently');
      return this.deadLetterOf(item, error.reason, detail, attempt);
    }
    const delayMs = retryDelaysMs[attempt - 1];
    if (delayMs === undefined) {
      logger.warn(log, 'handler failed on its last attempt');
      return this.deadLetterOf(item, 'RETRIES_EXHAUSTED', detail, attempt);
    }
    logger.warn({ ...log, delayMs }, 'handler failed; retrying through the retry topic');
    return {
      result: 'retried',
      record: retryRecord({
        message: item.message,
        origin: item.origin,
        consumerGroup: this.options.groupId,
        failedAttempt: attempt,
        delayMs,
        error: detail,
        now: this.options.clock(),
      }),
    };
  }

  /** `attempts` is 0 for a message that never reached a handler (undecodable, no handler). */
  deadLetterOf(item: Item, reason: string, error: string, attempts: number): Outcome {
    // The original coordinates and headers, also for an event that comes from a retry topic.
    const record = deadLetterRecord({
      topic: item.origin.topic,
      partition: item.origin.partition,
      message: {
        ...item.message,
        offset: item.origin.offset,
        headers: withoutRetryHeaders(item.message.headers),
      } as KafkaMessage,
      consumerGroup: this.options.groupId,
      reason,
      error,
      attempts,
    });
    return {
      result: 'dead_lettered',
      reason,
      record: { ...record, topic: this.options.deadLetterTopic ?? record.topic },
    };
  }
}

/** An error as the retry and dead-letter headers (and the logs) carry it. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
