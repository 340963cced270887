import type { ServerResponse } from 'node:http';
import { NOTIFICATIONS_MAX_LIMIT, type NotificationItem } from '@seckill/contracts';
import type { ServiceLogger } from '@seckill/observability';
import type { FeedListener, NotificationFeed } from './notification-feed';
import type { NotificationQueries } from './notification-queries';

/** A client that reads slower than this much buffered output is cut off rather than buffered. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

export interface StreamOptions {
  readonly userId: string;
  /** The client's Last-Event-ID: what it saw before reconnecting. */
  readonly lastEventId?: bigint;
  readonly heartbeatMs: number;
  /** Headers the response must carry besides the SSE ones (the request id). */
  readonly headers: Record<string, string>;
}

/**
 * One Server-Sent Events response: `event: notification` per committed notification of the
 * user (`id:` is the notification id), a comment line every heartbeat, and the end of the
 * response when the client goes away, the feed is interrupted or the service shuts down.
 * With a Last-Event-ID it first replays what the client missed, from the table.
 */
export class NotificationStream implements FeedListener {
  private heartbeat: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private ended = false;
  /** Live items that arrived during the catch-up, and the ids the catch-up wrote. */
  private pending: NotificationItem[] | undefined;

  constructor(
    private readonly response: ServerResponse,
    private readonly feed: NotificationFeed,
    private readonly queries: NotificationQueries,
    private readonly logger: ServiceLogger,
    private readonly options: StreamOptions,
  ) {}

  async open(): Promise<void> {
    this.response.writeHead(200, {
      ...this.options.headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Tells nginx-like proxies not to buffer the stream.
      'x-accel-buffering': 'no',
    });
    // The first bytes put the headers on the wire at once, so a proxy knows the stream is up.
    this.write('retry: 3000\n\n');
    this.response.on('close', () => this.end());
    this.heartbeat = setInterval(() => this.write(': heartbeat\n\n'), this.options.heartbeatMs);
    this.heartbeat.unref();

    // Subscribe before reading the table, so nothing committed in between is lost; what the
    // catch-up also returns is written once.
    if (this.options.lastEventId !== undefined) this.pending = [];
    this.unsubscribe = this.feed.subscribe(this.options.userId, this);
    if (this.options.lastEventId === undefined) return;
    const written = new Set<string>();
    try {
      const missed = await this.queries.after(
        this.options.userId,
        this.options.lastEventId,
        NOTIFICATIONS_MAX_LIMIT,
      );
      for (const item of missed) {
        this.send(item);
        written.add(item.id);
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'stream catch-up failed; ending the stream');
      this.end();
      return;
    }
    const pending = this.pending ?? [];
    this.pending = undefined;
    for (const item of pending) if (!written.has(item.id)) this.send(item);
  }

  deliver(item: NotificationItem): void {
    if (this.pending) this.pending.push(item);
    else this.send(item);
  }

  interrupted(reason: 'connection_lost' | 'shutdown'): void {
    this.logger.debug({ reason }, 'stream ended by the feed');
    this.end();
  }

  private send(item: NotificationItem): void {
    this.write(`id: ${item.id}\nevent: notification\ndata: ${JSON.stringify(item)}\n\n`);
    if (this.response.writableLength > MAX_BUFFERED_BYTES) {
      this.logger.warn({ userId: this.options.userId }, 'stream client too slow; ending it');
      this.end();
    }
  }

  private write(text: string): void {
    if (!this.ended) this.response.write(text);
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.heartbeat);
    this.unsubscribe?.();
    this.response.end();
  }
}
