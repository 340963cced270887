import { npmScript, serviceLogDigest } from '../engine/infra';

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

/**
 * Runs an experiment; null if it printed its verdict line and exited 0. Otherwise what went
 * wrong: the end of its report and the services' warnings during it (serviceLogDigest), since
 * CI keeps only the tail of the log and the services' logs stay on its machine.
 */
async function experimentFailure(args: readonly string[], verdict: string): Promise<string | null> {
  const started = Date.now();
  const ran = await npmScript(['chaos', '--', ...args], 300_000, log);
  if (ran.output.includes(verdict) && ran.code === 0) return null;
  const tail = ran.output.trimEnd().split('\n').slice(-40).join('\n');
  return (
    `no "${verdict}" with exit 0: the experiment exited ${String(ran.code)}.\n` +
    `The end of its report:\n${tail}\n\n` +
    `The services' warnings and errors during it:\n${serviceLogDigest(started)}`
  );
}

/** A short steady crowd: the fault 4 s in, repaired 3 s later, the load 15 s in all. */
const SHORT = ['--rate', '20', '--duration', '15s', '--users', '100', '--fault-at', '4s'];

it('kill-consumer inventory: buyers do not notice, the lag drains, every check and the verifier pass', async () => {
  const failure = await experimentFailure(
    ['kill-consumer', 'inventory', ...SHORT, '--down-for', '3s'],
    'chaos kill-consumer inventory-service: recovered; every check passed',
  );
  expect(failure).toBeNull();
});

it('kill-broker: with two in-sync replicas left nothing acknowledged is lost, and the groups catch up', async () => {
  const failure = await experimentFailure(
    ['kill-broker', ...SHORT, '--down-for', '5s'],
    'chaos kill-broker: recovered; every check passed',
  );
  expect(failure).toBeNull();
});
