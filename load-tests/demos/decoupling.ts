/**
 * decoupling (seed 2.2, "库存挂，消息暂存队列，恢复后消费"): payment-service is SIGKILLed in the
 * middle of a steady crowd and started again DOWN_FOR s later, through the chaos experiment
 * `kill-consumer payment-service` (the same run as `npm run chaos`, called directly). Purchases
 * keep getting 202 (admission needs Redis and Kafka, not payment), payment's lag grows while it
 * is away and drains once it is back, and the verifier finds every order SHIPPED or FAILED.
 */
import { ConsumerGroup } from '@seckill/contracts';
import killConsumer from '../chaos/kill-consumer';
import { chaosChecks, faultAnswers, groupRecoveryCheck, runChaos } from './chaos-run';
import { check, defineDemo } from './demo';

const TIMING = { rate: 30, duration: 25, users: 100, faultAt: 4, downFor: 10 };

export default defineDemo({
  name: 'decoupling',
  run: async (ctx) => {
    ctx.log('');
    ctx.log(
      `a steady crowd of ${TIMING.rate} purchases a second for ${TIMING.duration} s; ${TIMING.faultAt} s in, ` +
        `payment-service is SIGKILLed and restarted ${TIMING.downFor} s later ` +
        `(npm run chaos -- kill-consumer payment --rate ${TIMING.rate} --duration ${TIMING.duration}s ` +
        `--fault-at ${TIMING.faultAt}s --down-for ${TIMING.downFor}s). Every group's lag every 2 s:`,
    );
    const report = await runChaos(ctx, killConsumer, 'payment-service', TIMING, {
      graceful: false,
    });
    const during = faultAnswers(report);
    ctx.log('');
    ctx.log(
      `while payment-service was away, buyers heard: ${during.text}; ` +
        `payment's lag peaked at ${(report.recoveries[ConsumerGroup.Payment]?.peakLag ?? 0).toLocaleString('en-US')}`,
    );
    return [
      check(
        'orders were still accepted while payment was down',
        during.total > 0 && during.accepted === during.total,
        `${during.accepted.toLocaleString('en-US')} of ${during.total.toLocaleString('en-US')} purchases got 202`,
      ),
      groupRecoveryCheck(report, ConsumerGroup.Payment),
      ...chaosChecks(report),
    ];
  },
});
