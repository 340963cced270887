import { Writable } from 'node:stream';
import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import { type OutboxStore, OutboxRelay } from './outbox-relay';
import type { OutgoingRecord } from './publisher';

const silent = ServiceLogger.create(
  'relay-spec',
  'fatal',
  new Writable({ write: (_chunk, _encoding, done) => done() }),
);

/** An outbox in memory: `relayBatch` hands out the oldest events and drops them once published. */
function memoryOutbox(count: number): OutboxStore & { left: () => number } {
  const events: OutgoingRecord[] = Array.from({ length: count }, (_, i) => ({
    topic: 't',
    key: `k-${i}`,
    value: `v-${i}`,
  }));
  return {
    left: () => events.length,
    async relayBatch(limit, publish) {
      const batch = events.slice(0, limit);
      if (batch.length === 0) return 0;
      await publish(batch);
      events.splice(0, batch.length);
      return batch.length;
    },
  };
}

const options = { name: 'spec', intervalMs: 10, batchSize: 3, publishTimeoutMs: 1000 };

describe('OutboxRelay', () => {
  it('drains the outbox in batches, oldest first', async () => {
    const outbox = memoryOutbox(7);
    const sent: string[][] = [];
    const relay = new OutboxRelay(
      outbox,
      { send: async (records) => void sent.push(records.map((r) => r.key ?? '')) },
      silent,
      new MetricsRegistry('relay-spec'),
      options,
    );
    expect(await relay.drain()).toBe(7);
    expect(sent).toEqual([['k-0', 'k-1', 'k-2'], ['k-3', 'k-4', 'k-5'], ['k-6']]);
    expect(outbox.left()).toBe(0);
  });

  it('leaves the events in the outbox when the publish fails, and publishes them on a later run', async () => {
    const outbox = memoryOutbox(2);
    let brokerUp = false;
    const metrics = new MetricsRegistry('relay-spec');
    const relay = new OutboxRelay(
      outbox,
      {
        send: async () => {
          if (!brokerUp) throw new Error('broker down');
        },
      },
      silent,
      metrics,
      options,
    );
    await expect(relay.drain()).rejects.toThrow('broker down');
    expect(outbox.left()).toBe(2);

    relay.start();
    await new Promise((resolve) => setTimeout(resolve, 30));
    brokerUp = true;
    relay.wake();
    for (let i = 0; i < 100 && outbox.left() > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await relay.stop();
    expect(outbox.left()).toBe(0);
    expect(await metrics.text()).toMatch(
      /seckill_outbox_relay_failures_total\{relay="spec",service="relay-spec"\} [1-9]/,
    );
  });

  it('gives up on a publish that does not complete in time', async () => {
    const outbox = memoryOutbox(1);
    const relay = new OutboxRelay(
      outbox,
      { send: () => new Promise<void>(() => undefined) },
      silent,
      new MetricsRegistry('relay-spec'),
      { ...options, publishTimeoutMs: 5 },
    );
    await expect(relay.drain()).rejects.toThrow(/within 5 ms/);
    expect(outbox.left()).toBe(1);
  });

  it('stops promptly while it pauses', async () => {
    const relay = new OutboxRelay(
      memoryOutbox(0),
      { send: async () => undefined },
      silent,
      new MetricsRegistry('relay-spec'),
      { ...options, intervalMs: 60_000 },
    );
    relay.start();
    await new Promise((resolve) => setTimeout(resolve, 10));
    // It would hang for a minute if the pause were not interrupted.
    await expect(relay.stop()).resolves.toBeUndefined();
  });

  it('samples the backlog gauge after a run, and not more often than configured', async () => {
    const outbox = memoryOutbox(5);
    let samples = 0;
    const store: OutboxStore = {
      relayBatch: (limit, publish) => outbox.relayBatch(limit, publish),
      backlog: async () => {
        samples += 1;
        return outbox.left();
      },
    };
    const metrics = new MetricsRegistry('relay-spec');
    const relay = new OutboxRelay(store, { send: async () => undefined }, silent, metrics, {
      ...options,
      backlogSampleMs: 60_000,
    });
    await relay.sampleBacklog();
    expect(await metrics.text()).toMatch(/seckill_outbox_backlog\{[^}]*relay="spec"[^}]*\} 5/);
    await relay.drain();
    await relay.sampleBacklog(); // within backlogSampleMs: skipped
    expect(samples).toBe(1);
    await relay.sampleBacklog(true);
    expect(await metrics.text()).toMatch(/seckill_outbox_backlog\{[^}]*relay="spec"[^}]*\} 0/);
    expect(samples).toBe(2);
  });
});
