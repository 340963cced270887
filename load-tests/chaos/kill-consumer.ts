/**
 * kill-consumer <service>: a steady crowd buys; --fault-at seconds in, one of the saga's consumers
 * is SIGKILLed (no drain, no offset commit, no leaving the group) and started again --down-for
 * seconds later. The seed's claim, measured: buyers do not notice (every purchase is still
 * admitted, the answers come from Redis and Kafka, not from the consumer), the dead consumer's
 * work waits in Kafka as lag, and once its partitions are served again the lag drains and every
 * order ends terminal, with no double effect.
 */
import { ConsumerGroup } from '@seckill/contracts';
import { type ServiceName, killService, painter, restart, type ShopIo } from '../engine/infra';
import { int, seconds } from '../engine/options';
import { defineScenario } from '../engine/scenario';
import { openSale } from '../engine/shop';
import { constant } from '../engine/stages';
import { defineExperiment } from './experiment';

/** The saga's consumers; order-service consumes too, but killing it is an experiment of its own. */
export const CONSUMERS: readonly string[] = Object.values(ConsumerGroup).filter(
  (g) => g !== ConsumerGroup.Order,
);

const READY_TIMEOUT_MS = 60_000;

/** The shop's commands print to the experiment's log, indented. */
function shopIo(log: (line: string) => void): ShopIo {
  return {
    log: (line) => log(`    [shop] ${line}`),
    out: (text) => log(`    [shop] ${text}`),
    paint: painter(false),
    interrupted: () => new Promise<NodeJS.Signals>(() => undefined),
  };
}

const quiet: ShopIo = shopIo(() => undefined);

export default defineExperiment({
  name: 'kill-consumer',
  description:
    'a steady crowd (--rate req/s for --duration) buys; --fault-at into it the consumer is\n' +
    'SIGKILLed, and started again --down-for later. Measures when its partitions are consumed\n' +
    'again, the lag peak, when it caught up, and what buyers heard meanwhile',
  target: { name: 'service', choices: CONSUMERS },
  options: {
    rate: int(100, 'arrivals per second'),
    duration: seconds(30, 'length of the load'),
    users: int(300, 'distinct buyers'),
    faultAt: seconds(5, 'the kill, this long after the load started'),
    downFor: seconds(3, 'the restart, this long after the kill'),
  },

  scenario: (service, o) =>
    defineScenario({
      name: `chaos-kill-${service.replace(/-service$/, '')}`,
      description: 'the load of kill-consumer',
      options: {},
      initialUsers: () => o.users,
      setup: async ({ api, adminToken, runKey, log }) => ({
        sale: await openSale(
          api,
          adminToken,
          { name: `chaos kill-consumer ${service} ${runKey}`, stock: 1_000_000, perUserLimit: 100 },
          log,
        ),
      }),
      stages: () => [constant('crowd', o.rate, o.duration)],
      thresholds: () => [
        // Buyers do not notice a consumer's death: every purchase is admitted.
        { metric: 'share', outcome: 'accepted', min: 1 },
        { metric: 'count', outcome: 'errors', max: 0 },
        { metric: 'ambiguous', max: 0 },
      ],
    }),

  group: (service) => service,

  fault: async (service, o, ctx) => {
    await ctx.sleep(o.faultAt * 1000);
    ctx.mark(`SIGKILL ${service}`);
    await killService(service as ServiceName, shopIo(ctx.log));
    await ctx.sleep(o.downFor * 1000);
    ctx.mark(`restart ${service}`);
    await restart([service as ServiceName], READY_TIMEOUT_MS, quiet);
    ctx.mark(`${service} ready`);
  },

  repair: async (service) => {
    await restart([service as ServiceName], READY_TIMEOUT_MS, quiet);
  },
});
