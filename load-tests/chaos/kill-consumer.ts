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
import type { ServiceName } from '../engine/infra';
import { flag } from '../engine/options';
import { CROWD_OPTIONS, UNNOTICED, crowd } from './crowd';
import { defineExperiment } from './experiment';
import { bounceService, restartService } from './faults';

/** The saga's consumers; order-service consumes too, but kill-order-service is its own experiment. */
export const CONSUMERS: readonly string[] = Object.values(ConsumerGroup).filter(
  (g) => g !== ConsumerGroup.Order,
);

const killed = bounceService('SIGKILL', null);
const stopped = bounceService('SIGTERM', null);

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
  fault: (service, o, ctx) => (o.graceful ? stopped : killed)(service, o, ctx),
  repair: (service) => restartService(service as ServiceName),
});
