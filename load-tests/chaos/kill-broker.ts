/**
 * kill-broker: on the 3-broker profile (`npm run shop -- --brokers 3`: replication factor 3,
 * min.insync.replicas 2, producers with acks=all), a steady crowd buys; --fault-at seconds in,
 * broker 2 is SIGKILLed, and started again --down-for seconds later. Two in-sync replicas remain,
 * so every write can still be acknowledged: leaders move, clients find them, buyers should not
 * notice, and nothing acknowledged is lost.
 */
import { runningKafkaBrokers } from '../engine/infra';
import { CROWD_OPTIONS, HONEST, crowd } from './crowd';
import { defineExperiment } from './experiment';
import { bounceInfra, startMissingInfra } from './faults';

export default defineExperiment({
  name: 'kill-broker',
  description:
    'on the 3-broker profile, a steady crowd buys; --fault-at into it broker 2 is SIGKILLed and\n' +
    'started again --down-for later. acks=all with 2 replicas left: nothing acknowledged is lost',
  options: CROWD_OPTIONS,
  precondition: () =>
    runningKafkaBrokers() === 3
      ? null
      : 'kill-broker needs the 3-broker cluster: "npm run shop -- stop && npm run shop -- --detach --brokers 3"',
  scenario: (_target, o) =>
    crowd('kill-broker', o, [...HONEST, { metric: 'count', outcome: 'errors', max: 0 }]),
  fault: bounceInfra('kafka-2', 'SIGKILL', 'broker 2'),
  repair: () => startMissingInfra(),
});
