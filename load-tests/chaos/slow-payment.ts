/**
 * slow-payment: a steady crowd buys; --fault-at seconds in, the payment provider slows down: the
 * shop restarts payment-service (SIGTERM: it drains and leaves the group) with every provider
 * call taking --latency instead of 50 ms; --down-for later it restarts it with the usual
 * latency. Buyers should not notice: admission does not wait for payment. Payments fall behind
 * as lag on payment-service's topics, within its capture concurrency, and catch up once the
 * provider is fast again; orders whose payment deadline passes meanwhile are cancelled and give
 * their unit back (the business checks count it).
 */
import { seconds } from '../engine/options';
import { CROWD_OPTIONS, UNNOTICED, crowd } from './crowd';
import { defineExperiment } from './experiment';
import { restartService } from './faults';

/** Settings of payment-service the experiment changes; restored to unset by the repair. */
const SLOW_SETTINGS = ['PAYMENT_LATENCY_MS', 'PAYMENT_CAPTURE_LEASE_MS'] as const;

/**
 * payment-service insists that a capture's lease outlasts the slowest take-up of an intent
 * (3 attempts of latency + the 500 ms timeout, plus backoffs): with a slow provider the lease
 * grows with it.
 */
export function slowProviderEnv(latencyMs: number): Record<(typeof SLOW_SETTINGS)[number], string> {
  return {
    PAYMENT_LATENCY_MS: String(latencyMs),
    PAYMENT_CAPTURE_LEASE_MS: String(3 * (latencyMs + 500) + 300 + 2_000),
  };
}

async function restartPayment(env: Partial<Record<(typeof SLOW_SETTINGS)[number], string>>) {
  // The shop starts a service with this process's environment plus the service's own.
  for (const name of SLOW_SETTINGS) delete process.env[name];
  Object.assign(process.env, env);
  try {
    await restartService('payment-service');
  } finally {
    for (const name of SLOW_SETTINGS) delete process.env[name];
  }
}

export default defineExperiment({
  name: 'slow-payment',
  description:
    "a steady crowd buys; --fault-at into it the payment provider's calls take --latency\n" +
    '(payment-service restarted with it), and are fast again --down-for later',
  options: {
    ...CROWD_OPTIONS,
    downFor: seconds(10, 'how long the provider stays slow'),
    latency: seconds(1, 'how long each provider call takes while slow'),
  },
  scenario: (_target, o) => crowd('slow-payment', o, UNNOTICED),
  fault: async (_target, o, ctx) => {
    await ctx.sleep(o.faultAt * 1000);
    ctx.mark(`payment provider slow (${Math.round(o.latency * 1000)} ms a call)`);
    await restartPayment(slowProviderEnv(Math.round(o.latency * 1000)));
    await ctx.sleep(o.downFor * 1000);
    ctx.mark('payment provider fast again');
    await restartPayment({});
    ctx.mark('payment-service ready');
  },
  repair: async () => {
    await restartPayment({});
  },
});
