/**
 * kill-order-service: a steady crowd buys; --fault-at seconds in, order-service (admission, the
 * Redis outbox relay, the read model) is SIGKILLed, and started again --down-for seconds later.
 * Requests in its hands when it died get 503 OUTCOME_UNKNOWN from the gateway, later ones 503
 * UPSTREAM_UNAVAILABLE ("nothing was admitted") until it is back; the run replays every such
 * answer with its Idempotency-Key and fails if any buyer was told "failed" who bought. Orders it
 * admitted but had not published yet sit in the Redis outbox; the restarted relay publishes them,
 * so every one still reaches a terminal state (the engine's settle and checks).
 */
import { CROWD_OPTIONS, HONEST, crowd } from './crowd';
import { defineExperiment } from './experiment';
import { bounceService, restartService } from './faults';

export default defineExperiment({
  name: 'kill-order-service',
  description:
    'a steady crowd buys; --fault-at into it order-service is SIGKILLed and started again\n' +
    '--down-for later. Buyers hear 503s while it is down, never an ambiguous "failed"',
  options: CROWD_OPTIONS,
  scenario: (_target, o) => crowd('kill-order-service', o, HONEST),
  fault: bounceService('SIGKILL', 'order-service'),
  repair: () => restartService('order-service'),
});
