import { spawn } from 'node:child_process';
import { isPortOpen, repoRoot, runningKafkaBrokers } from '../engine/infra';

/**
 * The chaos experiments, short, as `npm test`'s last step: the whole shop as the local runner
 * starts it (6 services, PostgreSQL, Redis and the 3-broker Kafka cluster: replication factor 3,
 * min.insync.replicas 2, acks=all), a steady open-model crowd from vegeta (installed by the load
 * engine with `go install` when missing), a fault in the middle of it, and the command's own
 * verdict: every business check, the thresholds, every stalled consumer group caught up, and the
 * verifier green on the sale. The full-length runs and their figures are docs/chaos.md's.
 *
 * It needs the shop's ports (3000-3005) and starts and stops the shop, so it refuses to run
 * beside a shop someone else started.
 */
const log = (line: string) => process.stdout.write(`[chaos] ${line}\n`);

interface Ran {
  readonly code: number | null;
  readonly output: string;
}

/** An npm script of this repository, its output streamed and kept. */
function npm(args: readonly string[], timeoutMs: number): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', ...args], {
      cwd: repoRoot(),
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      for (const line of text.split('\n')) if (line) log(line);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** A short steady crowd: the fault 4 s in, repaired 3 s later, the load 15 s in all. */
const SHORT = ['--rate', '20', '--duration', '15s', '--users', '100', '--fault-at', '4s'];

let started = false;

beforeAll(async () => {
  if (await isPortOpen('127.0.0.1', 3000)) {
    throw new Error(
      'a shop is already running on port 3000; the chaos smoke starts its own: stop it first ' +
        '("npm run shop -- stop"), or run "npm test -- --no-chaos"',
    );
  }
  const brokers = runningKafkaBrokers();
  if (brokers !== null && brokers !== 3) {
    throw new Error(
      `a ${brokers}-broker Kafka is running; the chaos smoke needs the 3-broker cluster: stop the ` +
        'infrastructure first ("npm run infra -- down"), or run "npm test -- --no-chaos"',
    );
  }
  const up = await npm(['shop', '--', '--detach', '--brokers', '3', '--no-rehearsal'], 420_000);
  started = true;
  if (up.code !== 0) {
    // The reason, in the failure itself: CI keeps only the tail of a long run's output.
    const tail = up.output.trimEnd().split('\n').slice(-25).join('\n');
    throw new Error(`npm run shop exited ${String(up.code)}; the end of its output:\n${tail}`);
  }
}, 480_000);

afterAll(async () => {
  if (started) await npm(['shop', '--', 'stop'], 180_000);
}, 240_000);

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
