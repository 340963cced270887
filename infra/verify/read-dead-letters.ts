/**
 * The dead-letter topic as the verifier sees it: read with `npm run dlq`'s own reader (its
 * re-drive markers included), one row per dead letter, with the order it is about.
 */
import type { Kafka } from 'kafkajs';
import { TOPIC_CATALOGUE } from '@seckill/contracts';
import { DLQ_HEADER } from '@seckill/kafka';
import { type DeadLetter, headerText, readTopic, splitMarkers } from '../cli/dlq';
import type { DeadLetterRow } from './snapshot';

export async function readDeadLetters(kafka: Kafka, topic: string): Promise<DeadLetterRow[]> {
  const { letters, redriven } = splitMarkers(await readTopic(kafka, topic));
  return letters.map((letter) => toRow(letter, redriven.has(letter.id)));
}

export function toRow(letter: DeadLetter, redriven: boolean): DeadLetterRow {
  const header = (name: string) => headerText(letter.message, name) ?? '';
  const originalTopic = header(DLQ_HEADER.originalTopic);
  const about = orderOf(letter, originalTopic);
  return {
    id: letter.id,
    reason: header(DLQ_HEADER.reason) || 'unknown',
    originalTopic: originalTopic || 'unknown',
    consumerGroup: header(DLQ_HEADER.consumerGroup) || 'unknown',
    orderId: about.orderId,
    saleId: about.saleId,
    error: header(DLQ_HEADER.error).split('\n')[0] ?? '',
    redriven,
  };
}

/**
 * The order a dead letter is about: the envelope's payload names it (every lifecycle event
 * carries orderId and saleId); failing that (an undecodable value), the record key, when the
 * original topic is keyed by order id (every lifecycle topic; not sale.published).
 */
function orderOf(
  letter: DeadLetter,
  originalTopic: string,
): { orderId: string | null; saleId: string | null } {
  const keyedByOrder = TOPIC_CATALOGUE.find((t) => t.name === originalTopic)?.key === 'orderId';
  const key = keyedByOrder ? (letter.message.key?.toString() ?? null) : null;
  let payload: { orderId?: unknown; saleId?: unknown } = {};
  try {
    const envelope = JSON.parse(letter.message.value?.toString('utf8') ?? '') as {
      payload?: { orderId?: unknown; saleId?: unknown };
    };
    payload = envelope.payload ?? {};
  } catch {
    // Undecodable: that may be why it was dead-lettered; the key still says which order.
  }
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
  return { orderId: text(payload.orderId) ?? key, saleId: text(payload.saleId) };
}
