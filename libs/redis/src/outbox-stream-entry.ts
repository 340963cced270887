import type { OutgoingRecord } from '@seckill/kafka';

/**
 * A Kafka record as a sale's outbox stream keeps it: the four fields the admission script
 * appends (`XADD … topic t key k value v headers h`). Stream fields are strings, hence `key` ''
 * for none and the headers as one JSON object.
 */
export interface OutboxStreamEntry {
  readonly topic: string;
  readonly key: string;
  /** The event envelope, JSON. */
  readonly value: string;
  /** The record's string headers, as a JSON object. */
  readonly headers: string;
}

/** A record's stream entry: the one way into an outbox stream (via the admission script's ARGV). */
export function toStreamEntry(record: OutgoingRecord): OutboxStreamEntry {
  // Only string headers go in: every header toRecord writes is one, and JSON has no Buffer.
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.headers ?? {})) {
    if (typeof value === 'string') headers[name] = value;
  }
  return {
    topic: record.topic,
    key: record.key ?? '',
    value: String(record.value),
    headers: JSON.stringify(headers),
  };
}

/**
 * The record of a stream entry's flat field list (`topic t key k value v headers h`, as XRANGE
 * returns it): the one way out. Null for an entry without a topic or a value, which the
 * admission script never writes.
 */
export function fromStreamEntry(fields: readonly string[]): OutgoingRecord | null {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i], fields[i + 1]);
  const topic = map.get('topic');
  const value = map.get('value');
  if (!topic || !value) return null;
  let headers: Record<string, string> = {};
  try {
    headers = JSON.parse(map.get('headers') ?? '{}') as Record<string, string>;
  } catch {
    // The envelope is what matters; the headers are a convenience copy of it.
  }
  return { topic, key: map.get('key') || null, value, headers };
}
