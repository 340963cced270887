/**
 * restart-redis --host-loss, the arithmetic: what Redis forgot when its AOF was cut back to the
 * last fsync, who should notice which part of it, and whether they did. Pure.
 *
 * Redis's answered writes of the lost window are gone: admissions (the order in the sale's
 * orders hash, the stock decrement, the buyer's count, the outbox entry) and restocks (a
 * released order's units given back, its marker in the restocked set). Who can see what:
 *
 *   an admission whose order.created reached Kafka  lives on downstream (read model, inventory,
 *       payment, shipment) for an order Redis never admitted: the verifier names it
 *       (no-duplicate-effect: "never admitted in Redis"; stock-agrees counts its unit twice);
 *   an admission whose order.created never left the lost outbox entry  is gone everywhere: no
 *       store has it, so the verifier cannot see it; the buyer who heard 202 can, and the load's
 *       check "accepted orders readable by their owner" names it;
 *   a restock  is undone in Redis only: inventory released the unit, Redis holds it again, and
 *       the verifier names the order (stock-agrees: "Redis still holds its unit").
 *
 * The run passes when the orders named are exactly those, both ways, and nothing failed that
 * the loss does not explain.
 */
import type { VerifyReport } from '../engine/infra';
import type { RunReport } from '../engine/run';
import { VERIFIER_CHECK } from '../engine/run';
import type { Judgement } from './experiment';

/** A sale's Redis keys that record answered writes, read at one moment. */
export interface RedisWrites {
  /** HKEYS `{sale:<id>}:orders`: every order the admission script accepted (never pruned). */
  readonly admitted: readonly string[];
  /** SMEMBERS `{sale:<id>}:restocked`: every order whose units were given back. */
  readonly restocked: readonly string[];
}

export interface LostWrites {
  readonly admissions: readonly string[];
  readonly restocks: readonly string[];
}

/** What Redis held just before the kill and no longer holds after the restart. */
export function lostWrites(beforeKill: RedisWrites, afterRestart: RedisWrites): LostWrites {
  const minus = (a: readonly string[], b: readonly string[]) => {
    const kept = new Set(b);
    return [...new Set(a)].filter((x) => !kept.has(x)).sort();
  };
  return {
    admissions: minus(beforeKill.admitted, afterRestart.admitted),
    restocks: minus(beforeKill.restocked, afterRestart.restocked),
  };
}

/** What the run's judges named. */
export interface Findings {
  /** Orders named by the verifier's failing rules (a violation whose subject is `order <id>`). */
  readonly verifierNamed: ReadonlySet<string>;
  /** Orders a buyer heard 202 for that could not be read back ("accepted orders readable"). */
  readonly unreadable: ReadonlySet<string>;
  /** Every order a buyer heard 202 for. */
  readonly toldAccepted: ReadonlySet<string>;
  readonly failedRules: readonly string[];
  readonly failedChecks: readonly string[];
  readonly failedThresholds: readonly string[];
}

const ORDER_SUBJECT = /^order (\S+)$/;

export function ordersNamedByVerifier(report: VerifyReport): Set<string> {
  const named = new Set<string>();
  for (const result of report.results) {
    if (result.verdict !== 'FAIL') continue;
    for (const { subject } of result.violations) {
      const id = ORDER_SUBJECT.exec(subject)?.[1];
      if (id !== undefined) named.add(id);
    }
  }
  return named;
}

export function findingsOf(
  run: Pick<RunReport, 'orders' | 'settled' | 'checks' | 'thresholds' | 'verified'>,
): Findings {
  const toldAccepted = new Set(run.orders.map((o) => o.orderId));
  // The settle wait reads every such order until it is terminal; one it never could read is
  // what "accepted orders readable by their owner" reports.
  const unreadable = new Set([...toldAccepted].filter((id) => !run.settled.orders.has(id)));
  return {
    verifierNamed: run.verified ? ordersNamedByVerifier(run.verified) : new Set(),
    unreadable,
    toldAccepted,
    failedRules: (run.verified?.results ?? [])
      .filter((r) => r.verdict === 'FAIL')
      .map((r) => r.rule),
    failedChecks: run.checks.filter((c) => !c.ok).map((c) => c.name),
    failedThresholds: run.thresholds.filter((t) => !t.ok).map((t) => t.name),
  };
}

/** The names of the load's checks (engine/checks.ts) the loss is expected to fail. */
export const STOCK_CHECK = 'stock conserved (kept + remaining == stock)';
export const READABLE_CHECK = 'accepted orders readable by their owner';

/** The AOF cut that simulated the host loss, as measured by the fault. */
export interface AofCut {
  readonly file: string;
  /** Its size at the simulated last fsync, kept. */
  readonly keptBytes: number;
  /** What was written after it and cut off. */
  readonly cutBytes: number;
  /** From the simulated fsync to the SIGKILL. */
  readonly lostForMs: number;
}

export interface HostLossFacts {
  readonly cut: AofCut;
  readonly lost: LostWrites;
  /** Keys (order ids) of the order.created records Kafka received since the simulated fsync. */
  readonly inKafka: ReadonlySet<string>;
}

/** Who should name which lost write (the module comment says why). */
export interface Expected {
  /** Lost admissions whose order.created reached Kafka. */
  readonly reachedKafka: readonly string[];
  /** Lost admissions whose order.created never left Redis. */
  readonly neverPublished: readonly string[];
  /** The verifier: the lost admissions in Kafka and the lost restocks. */
  readonly byVerifier: ReadonlySet<string>;
  /** The checks: the never-published admissions a buyer heard 202 for. */
  readonly byChecks: ReadonlySet<string>;
  /** Checks, rules and thresholds the loss explains failing (allowed, not required, to fail). */
  readonly mayFail: ReadonlySet<string>;
}

export function expectedFindings(
  facts: HostLossFacts,
  toldAccepted: ReadonlySet<string>,
): Expected {
  const { admissions, restocks } = facts.lost;
  const reachedKafka = admissions.filter((id) => facts.inKafka.has(id));
  const neverPublished = admissions.filter((id) => !facts.inKafka.has(id));
  const byChecks = new Set(neverPublished.filter((id) => toldAccepted.has(id)));
  const mayFail = new Set<string>();
  const when = (condition: boolean, ...names: string[]) => {
    if (condition) for (const n of names) mayFail.add(n);
  };
  // An effect for an order Redis never admitted; its unit sold twice in Redis's count; a failed
  // one restocked into a stock that had forgotten taking it.
  when(reachedKafka.length > 0, 'rule no-duplicate-effect', 'rule stock-conserved');
  when(reachedKafka.length + restocks.length > 0, 'rule stock-agrees', `check ${VERIFIER_CHECK}`);
  // kept + remaining no longer adds up (or the settle wait stops at the first unreadable order).
  when(admissions.length + restocks.length > 0, `check ${STOCK_CHECK}`);
  when(byChecks.size > 0, `check ${READABLE_CHECK}`);
  return {
    reachedKafka,
    neverPublished,
    byVerifier: new Set([...reachedKafka, ...restocks]),
    byChecks,
    mayFail,
  };
}

/** Named but not expected, and expected but not named. */
export function compareSets(
  named: ReadonlySet<string>,
  expected: ReadonlySet<string>,
): { readonly notLost: string[]; readonly notNamed: string[] } {
  return {
    notLost: [...named].filter((id) => !expected.has(id)).sort(),
    notNamed: [...expected].filter((id) => !named.has(id)).sort(),
  };
}

const fmt = (n: number): string => n.toLocaleString('en-US');
const some = (ids: readonly string[], max = 3): string =>
  `${fmt(ids.length)}${ids.length ? ` (${ids.slice(0, max).join(', ')}${ids.length > max ? ', …' : ''})` : ''}`;

export function judgeHostLoss(facts: HostLossFacts, findings: Findings): Judgement {
  const expected = expectedFindings(facts, findings.toldAccepted);
  const verifier = compareSets(findings.verifierNamed, expected.byVerifier);
  const checks = compareSets(findings.unreadable, expected.byChecks);
  const failed = [
    ...findings.failedChecks.map((c) => `check ${c}`),
    ...findings.failedRules.map((r) => `rule ${r}`),
    ...findings.failedThresholds.map((t) => `threshold ${t}`),
  ];
  const unexplained = failed.filter((f) => !expected.mayFail.has(f));
  const exact = [verifier.notLost, verifier.notNamed, checks.notLost, checks.notNamed].every(
    (ids) => ids.length === 0,
  );
  const ok = exact && unexplained.length === 0;

  const { cut, lost } = facts;
  const silent = expected.neverPublished.length - expected.byChecks.size;
  // A unit taken and given back inside the window: both its admission and its restock were lost.
  const both = lost.restocks.filter((id) => lost.admissions.includes(id)).length;
  const lines = [
    `host loss: ${cut.file} cut back by ${fmt(cut.cutBytes)} bytes to ${fmt(cut.keptBytes)}, ` +
      `its size ${(cut.lostForMs / 1000).toFixed(1)} s before the SIGKILL (the simulated last fsync)`,
    `host loss simulated: ${fmt(lost.admissions.length)} admissions lost ` +
      `(${fmt(expected.reachedKafka.length)} reached Kafka, ${fmt(expected.neverPublished.length)} did not` +
      `${silent > 0 ? `, ${fmt(silent)} of which no buyer heard 202 for` : ''}), ` +
      `${fmt(lost.restocks.length)} restocks lost`,
    `  the verifier named ${fmt(findings.verifierNamed.size)} orders; expected ${fmt(expected.byVerifier.size)} ` +
      `(the lost admissions in Kafka and the lost restocks${both ? `, ${fmt(both)} orders in both` : ''})` +
      (verifier.notLost.length + verifier.notNamed.length === 0
        ? ': exactly those'
        : `; named, not lost: ${some(verifier.notLost)}; lost, not named: ${some(verifier.notNamed)}`),
    `  the checks found ${fmt(findings.unreadable.size)} accepted orders unreadable; expected ` +
      `${fmt(expected.byChecks.size)} (the lost admissions never published that a buyer heard 202 for)` +
      (checks.notLost.length + checks.notNamed.length === 0
        ? ': exactly those'
        : `; unreadable, not lost: ${some(checks.notLost)}; lost, not found: ${some(checks.notNamed)}`),
    failed.length === 0
      ? '  nothing failed'
      : `  failed${unexplained.length ? '' : ', as the loss explains'}: ${failed.join('; ')}` +
        (unexplained.length ? ` (not explained by the loss: ${unexplained.join('; ')})` : ''),
    ok
      ? '  verdict: the findings are exactly the lost writes (the failures above are the expected ones)'
      : '  verdict: the findings are NOT exactly the lost writes',
  ];
  return {
    ok,
    lines,
    record: {
      hostLoss: {
        cut,
        lostAdmissions: lost.admissions,
        lostRestocks: lost.restocks,
        reachedKafka: expected.reachedKafka,
        neverPublished: expected.neverPublished,
        namedByVerifier: [...findings.verifierNamed].sort(),
        unreadableByOwner: [...findings.unreadable].sort(),
        verifierNamedNotLost: verifier.notLost,
        lostNotNamedByVerifier: verifier.notNamed,
        unreadableNotLost: checks.notLost,
        lostNotFoundByChecks: checks.notNamed,
        failed,
        unexplained,
      },
    },
  };
}
