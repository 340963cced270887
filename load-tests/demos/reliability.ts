/**
 * reliability (seed 4.1, the three lines of defence): a steady crowd buys while something the
 * messages pass through is SIGKILLed and started again, through the chaos experiments (the same
 * runs as `npm run chaos`, called directly). On the 3-broker cluster it is broker 2
 * (`kill-broker`: acks=all with 2 in-sync replicas left, nothing acknowledged is lost); on a
 * single broker it is inventory-service (`kill-consumer inventory`: it commits only after the
 * work, so what it had not committed is delivered again). Either way the verifier is green after.
 */
import { ConsumerGroup } from '@seckill/contracts';
import killBroker from '../chaos/kill-broker';
import killConsumer from '../chaos/kill-consumer';
import { runningKafkaBrokers } from '../engine/infra';
import { chaosChecks, faultAnswers, groupRecoveryCheck, runChaos } from './chaos-run';
import { defineDemo } from './demo';

const TIMING = { rate: 30, duration: 20, users: 100, faultAt: 5, downFor: 5 };

/** Which fault the demo injects on this cluster. Pure. */
export function reliabilityFault(brokers: number | null): 'kill-broker' | 'kill-consumer' {
  return brokers === 3 ? 'kill-broker' : 'kill-consumer';
}

export default defineDemo({
  name: 'reliability',
  run: async (ctx) => {
    const brokers = runningKafkaBrokers();
    const fault = reliabilityFault(brokers);
    const crowd = `a steady crowd of ${TIMING.rate} purchases a second for ${TIMING.duration} s; ${TIMING.faultAt} s in,`;
    ctx.log('');
    if (fault === 'kill-broker') {
      ctx.log(
        `${crowd} Kafka broker 2 of 3 is SIGKILLed and started again ${TIMING.downFor} s later ` +
          '(npm run chaos -- kill-broker). Producers write with acks=all to 3 replicas, ' +
          "min.insync.replicas 2: every acknowledged event survives. Every group's lag every 2 s:",
      );
    } else {
      ctx.log(
        `${crowd} inventory-service is SIGKILLed (no drain, no commit) and started again ` +
          `${TIMING.downFor} s later (npm run chaos -- kill-consumer inventory). It commits only ` +
          'after the work: what it had not committed is delivered again, and its inbox makes the ' +
          `redelivery harmless. ${brokers ?? 1} broker(s) run, so the broker is not the one ` +
          'killed ("npm run shop -- --brokers 3" for that). Every group\'s lag every 2 s:',
      );
    }
    const report =
      fault === 'kill-broker'
        ? await runChaos(ctx, killBroker, '', TIMING)
        : await runChaos(ctx, killConsumer, 'inventory-service', TIMING, { graceful: false });
    ctx.log('');
    ctx.log(`from the fault until the repair was done, buyers heard: ${faultAnswers(report).text}`);
    return [
      ...(fault === 'kill-consumer' ? [groupRecoveryCheck(report, ConsumerGroup.Inventory)] : []),
      ...chaosChecks(report),
    ];
  },
});
