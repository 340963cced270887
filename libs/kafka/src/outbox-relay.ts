import type { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import type { OutgoingRecord } from './publisher';
import { backoffDelay } from './errors';
import { WakeablePause } from './wakeable-pause';

/**
 * Where an outbox keeps the events that are written but not yet on Kafka: a table written in
 * the same transaction as the state change, or the Redis stream the admission script appends to.
 */
export interface OutboxStore {
  /**
   * Takes up to `limit` unpublished events, oldest first, so that no other relay takes them at
   * the same time (where the store can promise that), hands them to `publish`, and marks them
   * published once `publish` resolved. If `publish` rejects, nothing is marked: the events are
   * offered again on the next run. Resolves with how many events were published.
   */
  relayBatch(
    limit: number,
    publish: (records: readonly OutgoingRecord[]) => Promise<void>,
  ): Promise<number>;

  /** Events written but not yet published (the `seckill_outbox_backlog` gauge), if it can tell. */
  backlog?(): Promise<number>;
}

export interface OutboxRelayOptions {
  /** Names the relay in logs and metrics, e.g. `sales` or `order-stream`. */
  readonly name: string;
  /** Pause between runs when the outbox is drained. */
  readonly intervalMs: number;
  /** Events per publish. */
  readonly batchSize: number;
  /**
   * A publish that takes longer fails the run (the events stay unpublished and are retried), so
   * a broker outage cannot hold a claim, or a database transaction, open for minutes.
   */
  readonly publishTimeoutMs: number;
  /** Upper bound of the pause after failed runs (from 2 × intervalMs, doubling, equal jitter). */
  readonly maxBackoffMs?: number;
  /** How often the backlog gauge is sampled, after a run (default 5 s). */
  readonly backlogSampleMs?: number;
}

/**
 * The producer side of the second line of defence: publishes what an outbox holds until it is
 * empty, then polls. Delivery is at least once: a crash between the publish and the marking
 * publishes the same events again, with the same event ids, and consumers drop them (inbox).
 * `wake()` runs it at once, so a fresh event need not wait for the next poll.
 */
export class OutboxRelay {
  private readonly logger: ServiceLogger;
  private readonly relayed;
  private readonly failures;
  private readonly backlog;
  private backlogSampledAt = Number.NEGATIVE_INFINITY;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly pauses = new WakeablePause();

  constructor(
    private readonly store: OutboxStore,
    private readonly publisher: { send(records: readonly OutgoingRecord[]): Promise<void> },
    logger: ServiceLogger,
    metrics: MetricsRegistry,
    private readonly options: OutboxRelayOptions,
  ) {
    this.logger = logger.child({ component: 'outbox-relay', relay: options.name });
    this.relayed = metrics.counter('seckill_outbox_relayed_total', 'Events published by a relay', [
      'relay',
    ]);
    this.failures = metrics.counter(
      'seckill_outbox_relay_failures_total',
      'Relay runs that failed (events stay in the outbox)',
      ['relay'],
    );
    this.backlog = metrics.gauge(
      'seckill_outbox_backlog',
      'Outbox events written but not yet published',
      ['relay'],
    );
  }

  start(): void {
    this.stopped = false;
    this.running ??= this.loop();
  }

  /** Finishes the run in hand and stops; events not yet published stay in the outbox. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.running;
    this.running = undefined;
  }

  /** Runs now instead of after the pause. */
  wake(): void {
    this.pauses.wake();
  }

  /** Publishes batches until the outbox is drained; resolves with how many events went out. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const count = await this.store.relayBatch(this.options.batchSize, (records) =>
        this.publish(records),
      );
      total += count;
      if (count < this.options.batchSize || this.stopped) return total;
    }
  }

  private async loop(): Promise<void> {
    let failed = 0;
    while (!this.stopped) {
      try {
        const count = await this.drain();
        if (count > 0) this.logger.debug({ count }, 'relayed outbox events');
        failed = 0;
      } catch (error) {
        failed += 1;
        this.failures.inc({ relay: this.options.name });
        this.logger.warn({ err: error, failedRuns: failed }, 'outbox relay run failed; will retry');
      }
      await this.sampleBacklog();
      if (this.stopped) break;
      await this.pauses.pause(failed === 0 ? this.options.intervalMs : this.backoffAfter(failed));
    }
  }

  /** Samples the backlog gauge, at most every `backlogSampleMs`; a failure only skips a sample. */
  async sampleBacklog(force = false): Promise<void> {
    if (!this.store.backlog) return;
    const now = Date.now();
    if (!force && now - this.backlogSampledAt < (this.options.backlogSampleMs ?? 5000)) return;
    this.backlogSampledAt = now;
    try {
      this.backlog.set({ relay: this.options.name }, await this.store.backlog());
    } catch (error) {
      this.logger.debug({ err: error }, 'outbox backlog not sampled');
    }
  }

  /** After `failed` failed runs in a row: from twice the interval, doubling, equal jitter. */
  private backoffAfter(failed: number): number {
    const policy = {
      initialDelayMs: 2 * this.options.intervalMs,
      maxDelayMs: this.options.maxBackoffMs ?? 10 * this.options.intervalMs,
    };
    return backoffDelay(policy, failed, Math.random, 'equal');
  }

  private async publish(records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`publish did not complete within ${this.options.publishTimeoutMs} ms`)),
        this.options.publishTimeoutMs,
      );
    });
    try {
      await Promise.race([this.publisher.send(records), timeout]);
    } finally {
      clearTimeout(timer);
    }
    this.relayed.inc({ relay: this.options.name }, records.length);
  }
}
