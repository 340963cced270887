import { npmScript } from '../engine/infra';

/**
 * The chaos experiments, short, as `npm test`'s last step: the whole shop as the local runner
 * starts it (6 services, PostgreSQL, Redis and the 3-broker Kafka cluster: replication factor 3,
 * min.insync.replicas 2, acks=all), a steady open-model crowd from vegeta (installed by the load
 * engine with `go install` when missing), a fault in the middle of it, and the command's own
 * verdict: every business check, the thresholds, every stalled consumer group caught up, and the
 * verifier green on the sale. The full-length runs and their figures are docs/chaos.md's.
 *
 * The shop is started once for the step by infra/testing/whole-shop-setup.ts (jest.chaos.config.js).
 */
const log = (line: string) => process.stdout.write(`[chaos] ${line}\n`);

const npm = (args: readonly string[], timeoutMs: number) => npmScript(args, timeoutMs, log);

/** A short steady crowd: the fault 4 s in, repaired 3 s later, the load 15 s in all. */
const SHORT = ['--rate', '20', '--duration', '15s', '--users', '100', '--fault-at', '4s'];

it('kill-consumer inventory: buyers do not notice, the lag drains, every check and the verifier pass', async () => {
  const ran = await npm(
    ['chaos', '--', 'kill-consumer', 'inventory', ...SHORT, '--down-for', '3s'],
    300_000,
  );
  expect(ran.output).toContain(
    'chaos kill-consumer inventory-service: recovered; every check passed',
  );
  expect(ran.code).toBe(0);
});

it('kill-broker: with two in-sync replicas left nothing acknowledged is lost, and the groups catch up', async () => {
  const ran = await npm(['chaos', '--', 'kill-broker', ...SHORT, '--down-for', '5s'], 300_000);
  expect(ran.output).toContain('chaos kill-broker: recovered; every check passed');
  expect(ran.code).toBe(0);
});
