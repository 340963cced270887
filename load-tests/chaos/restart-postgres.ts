/**
 * restart-postgres: a steady crowd buys; --fault-at seconds in, PostgreSQL is stopped (a fast
 * shutdown: SIGINT to the postmaster, every session cut) and started again --down-for seconds
 * later. Admission lives in Redis and Kafka, so buyers should not notice; every consumer's
 * transactions fail as retriable, the runner backs off with the partition paused, the saga's
 * work waits as lag, and drains once the database is back.
 */
import { CROWD_OPTIONS, UNNOTICED, crowd } from './crowd';
import { defineExperiment } from './experiment';
import { bounceInfra, startMissingInfra } from './faults';

export default defineExperiment({
  name: 'restart-postgres',
  description:
    'a steady crowd buys; --fault-at into it PostgreSQL is stopped (fast shutdown) and started\n' +
    'again --down-for later. Buyers should not notice; the saga waits as lag, then drains',
  options: CROWD_OPTIONS,
  scenario: (_target, o) => crowd('restart-postgres', o, UNNOTICED),
  fault: bounceInfra('postgres', 'SIGINT', 'PostgreSQL'),
  repair: () => startMissingInfra(),
});
