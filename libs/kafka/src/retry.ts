import type { IHeaders, KafkaMessage } from 'kafkajs';
import { retryTopic } from '@seckill/contracts';
import type { EventOrigin } from './consumer-store';
import type { OutgoingRecord } from './publisher';

/** Headers a message on a retry topic carries besides the original ones. */
export const RETRY_HEADER = {
  /** The attempt the next delivery is (2 for the first retry). */
  attempt: 'retry-attempt',
  /** Epoch ms before which the message must not be handled. */
  notBefore: 'retry-not-before',
  originalTopic: 'retry-original-topic',
  originalPartition: 'retry-original-partition',
  originalOffset: 'retry-original-offset',
  /** Why the last attempt failed. */
  error: 'retry-error',
} as const;

const RETRY_HEADER_NAMES = new Set<string>(Object.values(RETRY_HEADER));

export interface RetryInput {
  readonly message: KafkaMessage;
  /** Where the event was first read from (not the retry topic it may come from now). */
  readonly origin: EventOrigin;
  readonly consumerGroup: string;
  /** The attempt that failed; the record asks for attempt + 1. */
  readonly failedAttempt: number;
  readonly delayMs: number;
  readonly error: string;
  readonly now: number;
}

/** The original key, value and headers, re-published to the group's retry topic of the delay. */
export function retryRecord(input: RetryInput): OutgoingRecord {
  const headers: IHeaders = {
    ...withoutRetryHeaders(input.message.headers),
    [RETRY_HEADER.attempt]: String(input.failedAttempt + 1),
    [RETRY_HEADER.notBefore]: String(input.now + input.delayMs),
    [RETRY_HEADER.originalTopic]: input.origin.topic,
    [RETRY_HEADER.originalPartition]: String(input.origin.partition),
    [RETRY_HEADER.originalOffset]: input.origin.offset,
    [RETRY_HEADER.error]: input.error.slice(0, 2000),
  };
  return {
    topic: retryTopic(input.consumerGroup, input.delayMs),
    key: input.message.key ? input.message.key.toString() : null,
    value: input.message.value,
    headers,
  };
}

export interface RetryState {
  readonly attempt: number;
  readonly notBefore: number;
  readonly origin: EventOrigin;
}

/**
 * What a message read from a retry topic says about itself. A message without (valid) retry
 * headers is treated as due now, as attempt 2, from where it was read.
 */
export function retryStateOf(message: KafkaMessage, topic: string, partition: number): RetryState {
  const attempt = Number(header(message, RETRY_HEADER.attempt));
  const notBefore = Number(header(message, RETRY_HEADER.notBefore));
  const originalPartition = Number(header(message, RETRY_HEADER.originalPartition));
  const originalTopic = header(message, RETRY_HEADER.originalTopic);
  const originalOffset = header(message, RETRY_HEADER.originalOffset);
  const known = originalTopic !== undefined && originalOffset !== undefined;
  return {
    attempt: Number.isInteger(attempt) && attempt >= 2 ? attempt : 2,
    notBefore: Number.isFinite(notBefore) ? notBefore : 0,
    origin:
      known && Number.isInteger(originalPartition)
        ? { topic: originalTopic, partition: originalPartition, offset: originalOffset }
        : { topic, partition, offset: message.offset },
  };
}

/** The headers without this module's own: what the event carried when it was first published. */
export function withoutRetryHeaders(headers: IHeaders | undefined): IHeaders {
  const kept: IHeaders = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!RETRY_HEADER_NAMES.has(name) && value !== undefined) kept[name] = value;
  }
  return kept;
}

function header(message: KafkaMessage, name: string): string | undefined {
  const value = message.headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}
