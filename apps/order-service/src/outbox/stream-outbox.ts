import type { Redis } from 'ioredis';
import type { OutboxStore, OutgoingRecord } from '@seckill/kafka';
import type { ServiceLogger } from '@seckill/observability';
import {
  fromStreamEntry,
  OUTBOX_STREAMS_KEY,
  retireOutboxStream,
  saleMetaKeyOfStream,
} from '@seckill/redis';

/**
 * The sales' Redis outbox streams as an outbox for `OutboxRelay`. The admission script appends
 * one entry per admitted order; the request publishes it and deletes it. What is still in a
 * stream after `minAgeMs` (the broker was down, the process died between Redis and Kafka) is
 * published here and deleted once Kafka acknowledged it. Entry ids are Redis times, so "older
 * than minAgeMs" is an XRANGE up to (Redis TIME - minAgeMs).
 *
 * Each stream is published on its own, so one sale whose records cannot be published does not
 * hold back the others; its failure is reported after the others went out.
 *
 * Several order-service instances may publish the same entry, and so may a request whose
 * publish was merely slow: duplicates carry the same event id, and consumers drop them.
 *
 * A stream whose sale has ended and that is empty is retired (`retireOutboxStream`): the set the
 * relay polls holds the open sales, not every sale ever run.
 */
export class StreamOutboxStore implements OutboxStore {
  constructor(
    private readonly redis: Redis,
    private readonly minAgeMs: number,
    private readonly logger: ServiceLogger,
  ) {}

  async relayBatch(
    limit: number,
    publish: (records: readonly OutgoingRecord[]) => Promise<void>,
  ): Promise<number> {
    const streams = await this.redis.smembers(OUTBOX_STREAMS_KEY);
    if (streams.length === 0) return 0;
    const [seconds, micros] = await this.redis.time();
    const cutoff = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - this.minAgeMs;

    const now = cutoff + this.minAgeMs;

    // Per stream: its old-enough entries, and when its sale ends (one round trip for all).
    const pipeline = this.redis.pipeline();
    for (const stream of streams) {
      pipeline.xrange(stream, '-', String(cutoff), 'COUNT', limit);
      pipeline.hget(saleMetaKeyOfStream(stream), 'endsAt');
    }
    const replies = (await pipeline.exec()) ?? [];

    let published = 0;
    let failure: unknown;
    for (const [index, stream] of streams.entries()) {
      if (published >= limit) break;
      const [error, reply] = replies[2 * index] ?? [null, []];
      const [, endsAt] = replies[2 * index + 1] ?? [null, null];
      if (error) throw error;
      const entries = (reply as [string, string[]][]).slice(0, limit - published);
      if (entries.length === 0) {
        if (endsAt === null || Number(endsAt) <= now) await this.retire(stream);
        continue;
      }
      try {
        published += await this.relayStream(stream, entries, publish);
      } catch (streamFailure) {
        this.logger.warn({ err: streamFailure, stream }, 'could not relay an outbox stream');
        failure ??= streamFailure;
      }
    }
    if (failure !== undefined) throw failure;
    return published;
  }

  private async retire(stream: string): Promise<void> {
    if (await retireOutboxStream(this.redis, stream)) {
      this.logger.info({ stream }, 'retired the outbox stream of an ended sale');
    }
  }

  private async relayStream(
    stream: string,
    entries: readonly [string, string[]][],
    publish: (records: readonly OutgoingRecord[]) => Promise<void>,
  ): Promise<number> {
    const records: OutgoingRecord[] = [];
    const ids: string[] = [];
    const unreadable: string[] = [];
    for (const [id, fields] of entries) {
      const record = fromStreamEntry(fields);
      if (record) {
        records.push(record);
        ids.push(id);
      } else {
        unreadable.push(id);
      }
    }
    if (unreadable.length > 0) {
      // Only the admission script writes these streams; an entry it did not write is dropped
      // loudly rather than offered again forever.
      this.logger.error({ stream, entries: unreadable }, 'dropping unreadable outbox entries');
      await this.redis.xdel(stream, ...unreadable);
    }
    if (records.length === 0) return 0;
    await publish(records);
    await this.redis.xdel(stream, ...ids);
    return records.length;
  }
}
