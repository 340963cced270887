/**
 * The consumer runner's Prometheus series, registered in one place so their names, help texts and
 * labels (what dashboards and alerts are written against) are read together, and the runner's
 * parts record into them with plain calls.
 */
import type { MetricsRegistry } from '@seckill/observability';
import type { Item } from './consumed-item';
import type { Outcome } from './failure-routing';

export type PauseReason = 'rate_limit' | 'yield' | 'retry_not_due' | 'unavailable';

export class ConsumerMetrics {
  private readonly processed;
  private readonly duration;
  private readonly deadLetters;
  private readonly retries;
  private readonly lag;
  private readonly pauses;
  private readonly groupSizes;

  /** `ratePerSecond`: the group's processing-rate cap, undefined for none. */
  constructor(
    metrics: MetricsRegistry,
    private readonly group: string,
    ratePerSecond: number | undefined,
  ) {
    const labels = ['group', 'topic'] as const;
    this.processed = metrics.counter(
      'seckill_events_processed_total',
      'Consumed events by result (processed, duplicate, retried, dead_lettered)',
      [...labels, 'result'],
    );
    this.duration = metrics.histogram(
      'seckill_event_processing_seconds',
      'Time from taking an event (its chunk) to its outcome',
      labels,
      [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    );
    this.deadLetters = metrics.counter('seckill_dead_letters_total', 'Events sent to the DLQ', [
      ...labels,
      'reason',
    ]);
    this.retries = metrics.counter(
      'seckill_event_retries_total',
      'Failed events re-published to a retry topic, by the attempt they wait for',
      [...labels, 'attempt'],
    );
    this.lag = metrics.gauge(
      'seckill_consumer_lag',
      'Messages of a partition not yet processed (high watermark - next offset)',
      [...labels, 'partition'],
    );
    this.pauses = metrics.counter(
      'seckill_consumer_pauses_total',
      'Partitions paused, by reason (rate_limit, yield, retry_not_due, unavailable)',
      ['group', 'reason'],
    );
    // The cap as a series, so a dashboard draws each group's drain against its limit.
    metrics
      .gauge(
        'seckill_consumer_rate_cap_events_per_second',
        'The processing-rate cap of a consumer group (peak shaving); 0: no cap',
        ['group'],
      )
      .set({ group }, ratePerSecond ?? 0);
    this.groupSizes = metrics.histogram(
      'seckill_consumer_transaction_events',
      'Events per consumer transaction (the chunks of the partitions handled at once)',
      ['group'],
      [1, 2, 5, 10, 20, 50, 100, 200, 500],
    );
  }

  /** What became of one message, `seconds` after its chunk was taken. */
  outcome(item: Item, outcome: Outcome, seconds: number): void {
    const { group } = this;
    const { result } = outcome;
    const topic = item.origin.topic;
    this.processed.inc({ group, topic, result });
    this.duration.observe({ group, topic }, seconds);
    if (result === 'retried' && item.kind === 'event') {
      this.retries.inc({ group, topic, attempt: String(item.context.attempt + 1) });
    }
    if (result === 'dead_lettered') {
      this.deadLetters.inc({ group, topic, reason: outcome.reason ?? 'UNKNOWN' });
    }
  }

  lagOf(topic: string, partition: number, messages: number): void {
    this.lag.set({ group: this.group, topic, partition: String(partition) }, messages);
  }

  paused(reason: PauseReason): void {
    this.pauses.inc({ group: this.group, reason });
  }

  transaction(events: number): void {
    this.groupSizes.observe({ group: this.group }, events);
  }
}
