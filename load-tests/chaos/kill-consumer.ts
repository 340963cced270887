/**
 * kill-consumer <service>: a steady crowd buys; --fault-at seconds in, one of the saga's consumers
 * is SIGKILLed (no drain, no offset commit, no leaving the group) and started again --down-for
 * seconds later. The seed's claim, measured: buyers do not notice (every purchase is still
 * admitted, the answers come from Redis and Kafka, not from the consumer), the dead consumer's
 * work waits in Kafka as lag, and once its partitions are served again the lag drains and every
 * order ends terminal. With --graceful it is stopped with SIGTERM instead: it finishes and
 * commits the chunk in hand and leaves the group, so nothing waits for a session to expire.
 */
import { ConsumerGroup } from '@seckill/contracts';
import { type ServiceName, killService, restart, stopServices } from '../engine/infra';
import { flag } from '../engine/options';
import { CROWD_OPTIONS, QUIET, UNNOTICED, crowd, shopIo } from './crowd';
import { defineExperiment } from './experiment';

/** The saga's consumers; order-service consumes too, but kill-order-service is its own experiment. */
export const CONSUMERS: readonly string[] = Object.values(ConsumerGroup).filter(
  (g) => g !== ConsumerGroup.Order,
);

const READY_TIMEOUT_MS = 60_000;

export default defineExperiment({
  name: 'kill-consumer',
  description:
    'a steady crowd (--rate req/s for --duration) buys; --fault-at into it the consumer is\n' +
    'SIGKILLed, and started again --down-for later. Buyers should not notice',
  target: { name: 'service', choices: CONSUMERS },
  options: {
    ...CROWD_OPTIONS,
    graceful: flag('SIGTERM instead of SIGKILL: drain, commit, leave the group, then stop'),
  },
  scenario: (service, o) =>
    crowd(`${o.graceful ? 'stop' : 'kill'}-${service.replace(/-service$/, '')}`, o, UNNOTICED),
  fault: async (service, o, ctx) => {
    await ctx.sleep(o.faultAt * 1000);
    if (o.graceful) {
      ctx.mark(`SIGTERM ${service}`);
      await stopServices([service as ServiceName], true, shopIo(ctx.log));
    } else {
      ctx.mark(`SIGKILL ${service}`);
      await killService(service as ServiceName, shopIo(ctx.log));
    }
    await ctx.sleep(o.downFor * 1000);
    ctx.mark(`restart ${service}`);
    await restart([service as ServiceName], READY_TIMEOUT_MS, QUIET);
    ctx.mark(`${service} ready`);
  },
  repair: async (service) => {
    await restart([service as ServiceName], READY_TIMEOUT_MS, QUIET);
  },
});
