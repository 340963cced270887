/**
 * restart-redis: a steady crowd buys; --fault-at seconds in, redis-server is SIGKILLed and
 * started again --down-for seconds later, from its append-only file (appendonly yes, appendfsync
 * everysec). What that policy can lose: Redis writes each command to the AOF with write(2)
 * before it answers the client, and fsyncs once a second. A killed process loses nothing it
 * answered (the kernel still holds and flushes what was written); a host that loses power loses
 * up to the last second or two of answered writes. This experiment kills the process, so the
 * stock, the admitted orders and the outbox must all come back whole: the business checks fail
 * otherwise. While Redis is down, admission cannot run: buyers get 503 with Retry-After
 * (the gateway's buckets fail closed), never a 202 that was not kept.
 */
import { CROWD_OPTIONS, HONEST, crowd } from './crowd';
import { defineExperiment } from './experiment';
import { bounceInfra, startMissingInfra } from './faults';

export default defineExperiment({
  name: 'restart-redis',
  description:
    'a steady crowd buys; --fault-at into it redis-server is SIGKILLed and started again\n' +
    '--down-for later from its AOF. Buyers hear 503s while it is down; nothing admitted is lost',
  options: CROWD_OPTIONS,
  scenario: (_target, o) => crowd('restart-redis', o, HONEST),
  fault: bounceInfra('redis', 'SIGKILL', 'redis-server'),
  repair: () => startMissingInfra(),
});
