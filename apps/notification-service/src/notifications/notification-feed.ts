import { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Client } from 'pg';
import type { NotificationItem } from '@seckill/contracts';
import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import { FEED_CHANNEL, type FeedMessage } from './notification';

/** One open stream's side of the feed. */
export interface FeedListener {
  /** A notification of the listener's user was committed. */
  deliver(item: NotificationItem): void;
  /**
   * The feed cannot guarantee delivery any more (the LISTEN connection dropped, or shutdown):
   * the stream ends, and the client reconnects with Last-Event-ID to catch up from the table.
   */
  interrupted(reason: 'connection_lost' | 'shutdown'): void;
}

const RECONNECT_DELAY_MS = 1000;

/**
 * The live feed of committed notifications, shared by every stream of this instance: one
 * dedicated Postgres connection LISTENs on FEED_CHANNEL, and each message goes to the streams
 * of its user. Handlers call pg_notify in their transaction, so a message exists only once
 * its row is committed, whichever instance's consumer wrote it.
 */
export class NotificationFeed implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly listeners = new Map<string, Set<FeedListener>>();
  private readonly logger: ServiceLogger;
  private readonly streams;
  private client: Client | undefined;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private connecting: Promise<void> | undefined;

  constructor(
    private readonly databaseUrl: string,
    logger: ServiceLogger,
    metrics: MetricsRegistry,
  ) {
    this.logger = logger.child({ component: 'notification-feed' });
    this.streams = metrics.gauge('notification_feed_streams', 'Open SSE notification streams', []);
  }

  /** True while the LISTEN connection is up: only then can a new stream be promised every row. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  /** Streams currently subscribed, of every user. */
  get openStreams(): number {
    let count = 0;
    for (const set of this.listeners.values()) count += set.size;
    return count;
  }

  onApplicationBootstrap(): void {
    this.connecting = this.connect();
  }

  /** Resolves once the first connection attempt has finished (either way); for tests. */
  async started(): Promise<void> {
    await this.connecting;
  }

  subscribe(userId: string, listener: FeedListener): () => void {
    let set = this.listeners.get(userId);
    if (!set) {
      set = new Set();
      this.listeners.set(userId, set);
    }
    set.add(listener);
    this.streams.inc();
    return () => {
      const current = this.listeners.get(userId);
      if (!current?.delete(listener)) return;
      this.streams.dec();
      if (current.size === 0) this.listeners.delete(userId);
    };
  }

  /** Runs before the HTTP server closes, so no open stream holds the close up. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    await this.connecting;
    this.interruptAll('shutdown');
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.databaseUrl,
      application_name: 'notification-service-feed',
    });
    client.on('notification', (message) => {
      if (message.channel === FEED_CHANNEL && message.payload) this.dispatch(message.payload);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${FEED_CHANNEL}`);
    } catch (error) {
      this.logger.warn({ err: error }, 'feed could not LISTEN; retrying');
      await client.end().catch(() => undefined);
      this.scheduleReconnect();
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.logger.info({ channel: FEED_CHANNEL }, 'feed listening');
  }

  private lost(client: Client, error: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    if (this.stopped) return;
    this.logger.warn({ err: error }, 'feed connection lost; ending open streams and reconnecting');
    client.end().catch(() => undefined);
    // Messages may have been missed while down: the streams end, and their clients catch up
    // from the table with Last-Event-ID when they reconnect.
    this.interruptAll('connection_lost');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.connecting = this.connect();
    }, RECONNECT_DELAY_MS);
  }

  private dispatch(payload: string): void {
    let message: FeedMessage;
    try {
      message = JSON.parse(payload) as FeedMessage;
    } catch (error) {
      this.logger.error({ err: error }, 'unreadable feed message ignored');
      return;
    }
    for (const listener of this.listeners.get(message.userId) ?? []) {
      listener.deliver(message.item);
    }
  }

  private interruptAll(reason: 'connection_lost' | 'shutdown'): void {
    const all = [...this.listeners.values()].flatMap((set) => [...set]);
    for (const listener of all) listener.interrupted(reason);
  }
}
