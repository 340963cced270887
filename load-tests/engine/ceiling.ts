/**
 * Does a figure count? Only while the generator is below its own ceiling: it sent (nearly) every
 * arrival on time against the shop, and the same stage against a bare node:http server, which
 * answers as fast as this machine can, went through without errors and on time. Pure.
 */
import type { StageFigures } from './figures';

/** A stage's figures count only when the generator sent at least this share of its arrivals. */
export const KEPT_UP = 0.95;
/**
 * A bare node:http server answers in well under a millisecond; when its p99 at a stage's shape
 * is above this, the tail is the generator's and the machine's (2 shared cores), not a server's.
 */
export const CEILING_P99_MS = 50;

export function generatorVerdict(
  shop: StageFigures | null,
  ceiling: StageFigures | null,
): { counts: boolean; why: string } {
  if (shop && shop.sentShare < KEPT_UP)
    return {
      counts: false,
      why: `the generator fell behind against the shop: sent ${shop.sent} of ${shop.intended}`,
    };
  if (!ceiling) return { counts: true, why: 'not measured (--no-ceiling)' };
  const errors = ceiling.groups.errors.count;
  if (ceiling.sentShare < KEPT_UP)
    return {
      counts: false,
      why: `at the generator's ceiling: against bare node:http it sent only ${(ceiling.sentShare * 100).toFixed(0)} %`,
    };
  if (errors > 0)
    return {
      counts: false,
      why: `at the machine's ceiling: bare node:http gave ${errors} errors at this shape`,
    };
  const p99 = ceiling.groups.all.latency?.p99 ?? 0;
  if (ceiling.kind !== 'burst' && p99 > CEILING_P99_MS)
    return {
      counts: false,
      why:
        `at the machine's ceiling: bare node:http answered this shape with p99 ${Math.round(p99)} ms ` +
        `(> ${CEILING_P99_MS} ms), so the latencies are the generator's and the machine's, not only the shop's`,
    };
  // A burst is "at once" only as far as the generator can open its connections: say how far.
  if (shop && shop.kind === 'burst' && shop.sendSpanSec > 2 * ceiling.sendSpanSec + 0.05)
    return {
      counts: true,
      why:
        `below the ceiling, but the burst left the generator over ${Math.round(shop.sendSpanSec * 1000)} ms ` +
        `(${Math.round(ceiling.sendSpanSec * 1000)} ms against bare node:http): the shop's work slowed the ` +
        'sending on the shared cores',
    };
  if (ceiling.kind === 'burst' && p99 > CEILING_P99_MS)
    return {
      counts: true,
      why:
        `below the ceiling; a burst of ${ceiling.sent} new connections costs p99 ${Math.round(p99)} ms ` +
        "even against bare node:http on this machine: part of the shop's latency is that",
    };
  return { counts: true, why: 'below the ceiling' };
}
