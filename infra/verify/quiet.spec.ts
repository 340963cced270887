import { type Busyness, busyLine, quietResult, waitUntilQuiet } from './quiet';

const idle = (read = 100): Busyness => ({
  lag: { 'inventory-service': { lag: 0, read }, 'payment-service': { lag: 0, read } },
  outboxes: [{ outbox: 'seckill_order.outbox_events', unpublished: 0 }],
  paymentsInFlight: 0,
});

const busy: Busyness = {
  lag: { 'inventory-service': { lag: 120, read: 10 }, 'payment-service': { lag: 0, read: 10 } },
  outboxes: [
    { outbox: 'redis {sale:s}:outbox', unpublished: 3, saleId: 's' },
    { outbox: 'seckill_order.outbox_events', unpublished: 0 },
  ],
  paymentsInFlight: 2,
};

/** A fake clock that moves only when the waiter sleeps. */
function clock() {
  let now = 0;
  return { now: () => now, sleep: async (ms: number) => void (now += ms) };
}

async function run(samples: Busyness[], timeoutMs = 10_000) {
  const lines: string[] = [];
  let i = 0;
  const outcome = await waitUntilQuiet(
    async () => samples[Math.min(i++, samples.length - 1)] as Busyness,
    { timeoutMs, pollMs: 500, progressMs: 2000, ...clock() },
    (line) => lines.push(line),
  );
  return { outcome, lines, samples: i };
}

describe('busyLine', () => {
  it('says what is still going on', () => {
    expect(busyLine(busy)).toBe(
      'consumer lag inventory 120; 3 unpublished outbox entries (redis {sale:s}:outbox 3); 2 payment(s) in flight',
    );
    expect(busyLine(idle())).toBe('');
  });
});

describe('waitUntilQuiet', () => {
  it('tries again when a read fails, and is quiet once two reads in a row are idle', async () => {
    const lines: string[] = [];
    const answers: Array<Busyness | Error> = [
      new Error("Cannot destructure property 'partitions'"),
      idle(),
      new Error('This server does not host this topic-partition'),
      idle(),
      idle(),
    ];
    let i = 0;
    const outcome = await waitUntilQuiet(
      async () => {
        const next = answers[i++];
        if (next instanceof Error) throw next;
        return next;
      },
      { timeoutMs: 10_000, pollMs: 500, progressMs: 0, ...clock() },
      (line) => lines.push(line),
    );
    expect(outcome).toMatchObject({ quiet: true, waitedMs: 2000 });
    expect(lines[0]).toMatch(/a read failed \(Cannot destructure property 'partitions'\)/);
  });

  it('gives up with the read error once the timeout has passed', async () => {
    const failing = new Error('Connection refused');
    await expect(
      waitUntilQuiet(
        async () => {
          throw failing;
        },
        { timeoutMs: 2_000, pollMs: 500, ...clock() },
        () => undefined,
      ),
    ).rejects.toBe(failing);
  });

  it('is quiet after two idle samples with the same committed positions', async () => {
    const { outcome, samples } = await run([idle(), idle()]);
    expect(outcome).toMatchObject({ quiet: true, waitedMs: 500 });
    expect(samples).toBe(2);
  });

  it('is not quiet while positions move between idle samples (consumed between two reads)', async () => {
    const { outcome, samples } = await run([idle(100), idle(101), idle(102), idle(102)]);
    expect(outcome.quiet).toBe(true);
    expect(samples).toBe(4);
  });

  it('waits through busy samples, with a progress line about every 2 s', async () => {
    const samples = [...Array<Busyness>(9).fill(busy), idle(), idle()];
    const { outcome, lines } = await run(samples);
    expect(outcome).toMatchObject({ quiet: true, waitedMs: 5000 });
    expect(lines).toEqual([
      `waiting for the shop to be quiet (2.0 s of 10.0 s): ${busyLine(busy)}`,
      `waiting for the shop to be quiet (4.0 s of 10.0 s): ${busyLine(busy)}`,
    ]);
  });

  it('gives up at the timeout with the last sample', async () => {
    const { outcome } = await run([busy], 3000);
    expect(outcome).toEqual({ quiet: false, waitedMs: 3000, last: busy });
  });
});

describe('quietResult', () => {
  it('passes when quiet', () => {
    expect(quietResult({ quiet: true, waitedMs: 1500, last: idle() }, 5)).toEqual({
      rule: 'quiet',
      verdict: 'PASS',
      detail: 'quiet after 1.5 s: no consumer lag (5 groups), outboxes empty, no payment in flight',
      violations: [],
    });
  });

  it('fails naming what was still busy at the timeout', () => {
    const result = quietResult({ quiet: false, waitedMs: 60_000, last: busy }, 5);
    expect(result.verdict).toBe('FAIL');
    expect(result.detail).toBe(
      `still busy after 60.0 s (--timeout): ${busyLine(busy)}; the rules below judged a shop in motion`,
    );
    expect(result.violations).toEqual([
      { subject: 'group inventory-service', message: '120 events not consumed' },
      { subject: 'redis {sale:s}:outbox', message: '3 entries not published' },
      { subject: 'payments', message: '2 intents PENDING' },
    ]);
  });
});
