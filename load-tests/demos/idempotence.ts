/**
 * idempotence (seed 4.2, "同一操作执行多次和执行一次的效果相同"): a topic replayed from offset 0.
 * inventory-service is stopped through the shop's runner (gracefully: it commits and leaves
 * its group, which must be empty for its offsets to be moved), its group is reset to the
 * earliest offset of order.created, and it is started again: every order.created still in the
 * log is delivered a second time. Its reservations, stock counters, stock log and inbox are
 * counted before and after: the inbox (one row per consumer group and event id, written in the
 * same transaction as the effect) and the reservation's primary key make each redelivery a
 * no-op, so the counts must be equal. The verifier runs over every sale before and after: the
 * replay must add no finding (a shop that ran chaos experiments may hold findings of its own,
 * e.g. what a lost Redis host lost; they are listed, and must be the same after).
 */
import { Pool } from 'pg';
import { ConsumerGroup, Topic } from '@seckill/contracts';
import { restartService } from '../chaos/faults';
import {
  type GroupCommits,
  type ShopIo,
  type TopicEnds,
  localKafkaAdmin,
  localTarget,
  nestedIo,
  positions,
  readCommits,
  readEnds,
  renderReport,
  stopServices,
  verify,
  waitSagaIdle,
} from '../engine/infra';
import { type DemoCheck, check, defineDemo, errorText, pause, since } from './demo';

type Verified = Awaited<ReturnType<typeof verify>>;

/** Each failing finding of a report, as "rule: subject: message". */
export function findings(report: Verified): string[] {
  return report.results
    .filter((r) => r.verdict === 'FAIL')
    .flatMap((r) => r.violations.map((v) => `${r.rule}: ${v.subject}: ${v.message}`));
}

/** What `after` finds that `before` did not: what the replay broke. Pure. */
export function newFindings(before: Verified, after: Verified): string[] {
  const known = new Set(findings(before));
  return findings(after).filter((f) => !known.has(f));
}

const GROUP = ConsumerGroup.Inventory;
const SERVICE = 'inventory-service';
const TOPIC = Topic.OrderCreated;
const EMPTY_TIMEOUT_MS = 30_000;
const DRAIN_TIMEOUT_MS = 120_000;

/** What inventory-service has written: the effects a second delivery must not repeat. */
export interface InventoryCounts {
  readonly reservations: number;
  readonly reservedUnits: number;
  readonly releasedUnits: number;
  readonly stockLog: number;
  readonly inbox: number;
}

const COUNTS_SQL = `
  SELECT (SELECT count(*) FROM reservations)::float8 AS reservations,
         (SELECT coalesce(sum(reserved), 0) FROM sale_stock)::float8 AS "reservedUnits",
         (SELECT coalesce(sum(released), 0) FROM sale_stock)::float8 AS "releasedUnits",
         (SELECT count(*) FROM inventory_log)::float8 AS "stockLog",
         (SELECT count(*) FROM inbox_events WHERE consumer_group = $1)::float8 AS inbox`;

/** The counts that differ after the replay, "reservations 10 → 12"; empty: no double effect. Pure. */
export function countChanges(before: InventoryCounts, after: InventoryCounts): string[] {
  return (Object.keys(before) as Array<keyof InventoryCounts>)
    .filter((k) => before[k] !== after[k])
    .map((k) => `${k} ${before[k].toLocaleString('en-US')} → ${after[k].toLocaleString('en-US')}`);
}

export function countsLine(c: InventoryCounts): string {
  return (
    `${c.reservations.toLocaleString('en-US')} reservations, ${c.reservedUnits.toLocaleString('en-US')} ` +
    `units reserved and ${c.releasedUnits.toLocaleString('en-US')} released, ${c.stockLog.toLocaleString('en-US')} ` +
    `stock-log rows, ${c.inbox.toLocaleString('en-US')} inbox rows`
  );
}

/**
 * How many records of `topic` a reset to the earliest offset hands the group again: per
 * partition, from the log start up to where it had committed. Pure.
 */
export function replayedBy(commits: GroupCommits, ends: TopicEnds, topic: string): number {
  let total = 0n;
  for (const [partition, { low, high }] of ends.get(topic) ?? []) {
    const committed = commits.get(topic)?.get(partition) ?? low;
    const upTo = committed > high ? high : committed;
    if (upTo > low) total += upTo - low;
  }
  return Number(total);
}

export default defineDemo({
  name: 'idempotence',
  run: async ({ log, detail, stopping }) => {
    const checks: DemoCheck[] = [];
    const io: ShopIo = nestedIo(detail, '[shop] ');
    const pool = new Pool({
      connectionString: localTarget().databases[SERVICE],
      max: 1,
      application_name: 'seckill-demo-idempotence',
    });
    pool.on('error', () => undefined);
    const counts = async (): Promise<InventoryCounts> =>
      (await pool.query<InventoryCounts>(COUNTS_SQL, [GROUP])).rows[0];
    const admin = localKafkaAdmin(`demo-idempotence-${Date.now().toString(36)}`);
    await admin.connect();
    let stopped = false;
    let verifiedBefore: Verified | undefined;
    try {
      log('');
      log(`first, ${SERVICE} must have handled everything (its lag 0)`);
      await waitSagaIdle(admin, 30, detail, [GROUP]);
      log('verify, before the replay: every invariant over every sale (npm run verify)');
      verifiedBefore = await verify(localTarget(), { saleId: null, timeoutMs: 60_000 }, detail);
      const already = findings(verifiedBefore);
      log(
        already.length === 0
          ? 'the verifier finds nothing'
          : `the verifier already finds ${already.length} thing(s) from earlier runs; the replay must add none`,
      );
      for (const line of already.slice(0, 10)) detail(`  before: ${line}`);
      const before = await counts();
      log(`before: ${countsLine(before)}`);

      log(
        `stopping ${SERVICE} through the shop's runner (SIGTERM: it commits and leaves its group)`,
      );
      stopped = true;
      await stopServices([SERVICE], true, io);
      const started = Date.now();
      let state = '';
      while (Date.now() - started < EMPTY_TIMEOUT_MS && !stopping.aborted) {
        const { groups } = await admin.describeGroups([GROUP]);
        state = groups[0]?.state ?? 'unknown';
        if (state === 'Empty' || state === 'Dead') break;
        await pause(500, stopping);
      }
      if (state !== 'Empty' && state !== 'Dead') {
        checks.push(check(`${GROUP}'s group emptied`, false, `still ${state} after 30 s`));
        return checks;
      }
      const commits = await readCommits(admin, GROUP, [TOPIC]);
      const ends = await readEnds(admin, [TOPIC]);
      const replayed = replayedBy(commits, ends, TOPIC);
      await admin.resetOffsets({ groupId: GROUP, topic: TOPIC, earliest: true });
      log(
        `its group is empty; reset to the earliest offset of ${TOPIC}: ` +
          `${replayed.toLocaleString('en-US')} events it has already handled will be delivered again`,
      );

      log(`starting ${SERVICE} again`);
      await restartService(SERVICE);
      stopped = false;
      const drainStart = Date.now();
      let lag = -1;
      let lastLine = 0;
      while (Date.now() - drainStart < DRAIN_TIMEOUT_MS && !stopping.aborted) {
        try {
          lag = (await positions(admin, [GROUP]))[GROUP]?.lag ?? -1;
        } catch (error) {
          detail(`lag unreadable just now (${errorText(error)})`);
        }
        if (lag === 0) break;
        if (Date.now() - lastLine >= 2_000) {
          lastLine = Date.now();
          log(
            `${since(drainStart, Date.now())}  replaying: ${GROUP} lag ${lag.toLocaleString('en-US')}`,
          );
        }
        await pause(500, stopping);
      }
      const drainSec = (Date.now() - drainStart) / 1000;
      checks.push(
        check(
          `the replay of ${TOPIC} drained`,
          lag === 0,
          lag === 0
            ? `${replayed.toLocaleString('en-US')} events handled again in ${drainSec.toFixed(1)} s`
            : `lag still ${lag} after ${drainSec.toFixed(0)} s`,
        ),
      );
      const after = await counts();
      log(`after:  ${countsLine(after)}`);
      const changes = countChanges(before, after);
      checks.push(
        check(
          'no double effect',
          changes.length === 0 && replayed > 0,
          changes.length === 0
            ? `${replayed.toLocaleString('en-US')} redelivered events changed nothing`
            : `changed: ${changes.join(', ')}`,
        ),
      );
    } finally {
      if (stopped) {
        log(`starting ${SERVICE} again (the demo stopped half-way)`);
        await restartService(SERVICE);
      }
      await admin.disconnect().catch(() => undefined);
      await pool.end().catch(() => undefined);
    }
    if (stopping.aborted) return checks;

    if (!verifiedBefore) return checks;
    log('');
    log('verify, after the replay: every invariant over every sale (npm run verify)');
    const verified = await verify(localTarget(), { saleId: null, timeoutMs: 60_000 }, detail);
    for (const line of renderReport(verified).split('\n')) detail(line);
    const added = newFindings(verifiedBefore, verified);
    checks.push(
      check(
        'the verifier finds nothing the replay added',
        added.length === 0,
        added.length === 0
          ? `${verified.sales.toLocaleString('en-US')} sales, ${verified.orders.toLocaleString('en-US')} orders` +
              (verified.ok
                ? ', every rule passed'
                : `, the same ${findings(verified).length} earlier finding(s)`)
          : `new: ${added.slice(0, 5).join('; ')}`,
      ),
    );
    return checks;
  },
});
