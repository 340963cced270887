import type { IHeaders, KafkaMessage } from 'kafkajs';
import { Topic } from '@seckill/contracts';
import type { OutgoingRecord } from './publisher';

/** Headers a dead letter carries; `npm run dlq` (a later issue) reads them back. */
export const DLQ_HEADER = {
  reason: 'dlq-reason',
  error: 'dlq-error',
  originalTopic: 'dlq-original-topic',
  originalPartition: 'dlq-original-partition',
  originalOffset: 'dlq-original-offset',
  attempts: 'dlq-attempts',
  consumerGroup: 'dlq-consumer-group',
  failedAt: 'dlq-failed-at',
} as const;

export interface DeadLetterInput {
  readonly topic: string;
  readonly partition: number;
  readonly message: KafkaMessage;
  readonly consumerGroup: string;
  readonly reason: string;
  readonly error: string;
  readonly attempts: number;
  readonly failedAt?: Date;
}

/**
 * The original bytes, key and headers, plus why and where from, so a fixed event can be
 * re-driven exactly as it was.
 */
export function deadLetterRecord(input: DeadLetterInput): OutgoingRecord {
  const headers: IHeaders = {
    ...(input.message.headers ?? {}),
    [DLQ_HEADER.reason]: input.reason,
    [DLQ_HEADER.error]: input.error.slice(0, 2000),
    [DLQ_HEADER.originalTopic]: input.topic,
    [DLQ_HEADER.originalPartition]: String(input.partition),
    [DLQ_HEADER.originalOffset]: input.message.offset,
    [DLQ_HEADER.attempts]: String(input.attempts),
    [DLQ_HEADER.consumerGroup]: input.consumerGroup,
    [DLQ_HEADER.failedAt]: (input.failedAt ?? new Date()).toISOString(),
  };
  return {
    topic: Topic.DeadLetter,
    key: input.message.key ? input.message.key.toString() : null,
    value: input.message.value,
    headers,
  };
}
