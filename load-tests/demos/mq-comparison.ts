/**
 * mq-comparison (seed 2.3, from "direct calls" to "event-driven"): the same flash-sale crowd
 * against both designs of the running shop, one after the other, through the comparison
 * `npm run bench -- compare` runs (load-tests/compare, called directly): the event-driven flow
 * (Redis admission, 202, the saga over Kafka) and the synchronous baseline (ADR 0012: stock in
 * PostgreSQL, inventory, payment and logistics called over HTTP while the buyer waits). Short:
 * the flash-sale phase only, small; the table at the end is the comparison's own.
 */
import { runCompare } from '../compare/compare';
import { formatCompare } from '../compare/report';
import { engineOptions } from './runs';
import { check, defineDemo } from './demo';

export const COMPARE = {
  stock: 50,
  buyersPerUnit: 4,
  rampFrom: 20,
  rate: 100,
  duration: 3,
} as const;

export default defineDemo({
  name: 'mq-comparison',
  run: async ({ url, log, detail, stopping }) => {
    const invocation =
      `npm run bench -- compare --stock ${COMPARE.stock} --buyers-per-unit ${COMPARE.buyersPerUnit} ` +
      `--ramp-from ${COMPARE.rampFrom} --rate ${COMPARE.rate} --duration ${COMPARE.duration}s ` +
      '--skip-downstream --no-ceiling';
    log('');
    log(
      `the same flash sale against both designs: ${COMPARE.stock * COMPARE.buyersPerUnit} buyers at ` +
        `once for ${COMPARE.stock} units, then ${COMPARE.rampFrom} → ${COMPARE.rate} req/s for ` +
        `${COMPARE.duration} s on the sold-out sale; first events, then sync (${invocation})`,
    );
    const report = await runCompare(
      {
        ...COMPARE,
        common: { ...engineOptions({}, url), flow: 'events' },
        steadyRate: 0,
        steadyDuration: 0,
        faultAt: 0,
        downFor: 0,
        latency: 0,
        skipDownstream: true,
      },
      invocation,
      detail,
      stopping,
    );
    log('');
    for (const line of formatCompare(report)) log(line);
    const designs = report.phases.flatMap((p) => p.designs);
    return [
      check(
        'both designs ran',
        designs.length === 2,
        designs.map((d) => d.design).join(' and ') || 'none',
      ),
      ...designs.map((d) =>
        check(
          `the ${d.design} design kept every invariant (business checks and the verifier)`,
          d.invariantsHeld,
          d.invariantsHeld
            ? `kept ${d.kept ?? '-'} of ${d.stock}`
            : `broken: ${d.broken.join('; ')}`,
        ),
      ),
    ];
  },
});
