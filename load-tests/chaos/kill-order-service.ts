/**
 * kill-order-service: a steady crowd buys; --fault-at seconds in, order-service (admission, the
 * Redis outbox relay, the read model) is SIGKILLed, and started again --down-for seconds later.
 * Requests in its hands when it died get 503 OUTCOME_UNKNOWN from the gateway, later ones 503
 * UPSTREAM_UNAVAILABLE ("nothing was admitted") until it is back; the run replays every such
 * answer with its Idempotency-Key and fails if any buyer was told "failed" who bought. Orders it
 * admitted but had not published yet sit in the Redis outbox; the restarted relay publishes them,
 * so every one still reaches a terminal state (the engine's settle and checks).
 *
 * With --in-handoff the kill is aimed at that window, between the Redis admission and Kafka's
 * acknowledgement: every broker is frozen first (SIGSTOP), so each purchase is answered 202 after
 * ORDER_PUBLISH_TIMEOUT_MS with its `order.created` still in the sale's Redis outbox stream;
 * order-service is SIGKILLed with those entries waiting (the timeline says how many), the
 * brokers are thawed (SIGCONT), and only the restarted order-service's stream relay can publish
 * them. The verifier's outbox-published and orders-terminal rules then prove it did.
 */
import { Redis } from 'ioredis';
import { OUTBOX_STREAMS_KEY } from '@seckill/redis';
import { infraStatus, killService, localTarget, nestedIo } from '../engine/infra';
import { flag, seconds } from '../engine/options';
import { CROWD_OPTIONS, HONEST, crowd } from './crowd';
import { defineExperiment, type FaultContext } from './experiment';
import { bounceService, restartService } from './faults';

const killed = bounceService('SIGKILL', 'order-service');

/** The pids of the running Kafka brokers (`kafka-1`, …), from the infra's pid files. */
async function brokerPids(): Promise<number[]> {
  return (await infraStatus())
    .filter((c) => c.component.startsWith('kafka-') && c.running && c.pid !== null)
    .map((c) => c.pid as number);
}

async function signalBrokers(signal: 'SIGSTOP' | 'SIGCONT'): Promise<number[]> {
  const pids = await brokerPids();
  for (const pid of pids) process.kill(pid, signal);
  return pids;
}

/** `order.created` events admitted in Redis and not yet acknowledged by Kafka, every sale. */
async function waitingInOutboxes(): Promise<number> {
  const redis = new Redis(localTarget().redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const streams = await redis.smembers(OUTBOX_STREAMS_KEY);
    const lengths = await Promise.all(streams.map((stream) => redis.xlen(stream)));
    return lengths.reduce((sum, n) => sum + n, 0);
  } finally {
    redis.disconnect();
  }
}

async function killInHandoff(
  o: { faultAt: number; downFor: number; stallFor: number },
  ctx: FaultContext,
): Promise<void> {
  await ctx.sleep(o.faultAt * 1000);
  const pids = await signalBrokers('SIGSTOP');
  ctx.mark(`SIGSTOP the ${pids.length} Kafka broker(s): no order.created can be acknowledged`);
  try {
    await ctx.sleep(o.stallFor * 1000);
    const waiting = await waitingInOutboxes();
    ctx.mark(`SIGKILL order-service with ${waiting} admitted order(s) only in the Redis outbox`);
    await killService('order-service', nestedIo(ctx.log, '    [shop] '));
  } finally {
    await signalBrokers('SIGCONT');
  }
  ctx.mark('SIGCONT the brokers');
  await ctx.sleep(o.downFor * 1000);
  ctx.mark('restart order-service');
  await restartService('order-service');
  ctx.mark('order-service ready');
}

export default defineExperiment({
  name: 'kill-order-service',
  description:
    'a steady crowd buys; --fault-at into it order-service is SIGKILLed and started again\n' +
    '--down-for later. Buyers hear 503s while it is down, never an ambiguous "failed".\n' +
    '--in-handoff aims at the admission → Kafka window: brokers frozen, then the kill',
  options: {
    ...CROWD_OPTIONS,
    inHandoff: flag(
      'freeze every broker first (SIGSTOP), so admitted orders wait in the Redis outbox, and kill order-service with them there',
    ),
    stallFor: seconds(2, '--in-handoff: how long the brokers are frozen before the kill'),
  },
  scenario: (_target, o) =>
    crowd(`${o.inHandoff ? 'kill-order-service-in-handoff' : 'kill-order-service'}`, o, HONEST),
  fault: (target, o, ctx) => (o.inHandoff ? killInHandoff(o, ctx) : killed(target, o, ctx)),
  repair: async () => {
    await signalBrokers('SIGCONT');
    await restartService('order-service');
  },
});
