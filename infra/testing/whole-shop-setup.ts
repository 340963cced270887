/**
 * npm test's last step runs against a whole shop as `npm run shop` starts it: six services, the
 * control room, PostgreSQL, Redis and the 3-broker Kafka cluster. This starts it once for the
 * step's specs (the chaos smoke, the control room in Chromium) and whole-shop-teardown.ts stops
 * it. It needs the shop's ports, so it refuses to run beside a shop someone else started.
 */
import { runningKafkaBrokers } from '../local/infra';
import { isPortOpen } from '../local/process';
import { npmScript } from './npm-script';

const log = (line: string) => process.stdout.write(`[whole shop] ${line}\n`);

export default async function wholeShopSetup(): Promise<void> {
  if (await isPortOpen('127.0.0.1', 3000)) {
    throw new Error(
      'a shop is already running on port 3000; the whole-shop tests start their own: stop it ' +
        'first ("npm run shop -- stop"), or run "npm test -- --no-chaos"',
    );
  }
  const brokers = runningKafkaBrokers();
  if (brokers !== null && brokers !== 3) {
    throw new Error(
      `a ${brokers}-broker Kafka is running; the whole-shop tests need the 3-broker cluster: stop ` +
        'the infrastructure first ("npm run infra -- down"), or run "npm test -- --no-chaos"',
    );
  }
  log('starting the shop: npm run shop -- --detach --brokers 3 --no-rehearsal');
  process.env.SECKILL_WHOLE_SHOP_STARTED = '1';
  const up = await npmScript(
    ['shop', '--', '--detach', '--brokers', '3', '--no-rehearsal'],
    420_000,
    log,
  );
  if (up.code !== 0) {
    // The reason, in the failure itself: CI keeps only the tail of a long run's output.
    const tail = up.output.trimEnd().split('\n').slice(-25).join('\n');
    throw new Error(`npm run shop exited ${String(up.code)}; the end of its output:\n${tail}`);
  }
}
