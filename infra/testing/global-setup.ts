// Jest's moduleNameMapper does not apply to global setup modules, so the alias cannot resolve.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { TEST_INFRA_ENV, TEST_REDIS_DB, withRedisDatabase } from '../../libs/testing/src/endpoints';
import { infraStatus, infraUp, runningKafkaBrokers } from '../local/infra';

/**
 * Starts the real infrastructure once for the whole integration run (or reuses what already
 * runs) and hands its endpoints to the tests. Tests isolate themselves with their own topics,
 * consumer groups and databases, so they can share one broker and one server.
 */
export default async function globalSetup(): Promise<void> {
  const before = await infraStatus();
  const wasRunning = before.length > 0 && before.every((component) => component.running);
  const endpoints = await infraUp({
    // Reuse a running cluster of either size; start one broker otherwise.
    brokers: runningKafkaBrokers() ?? 1,
    log: (line) => process.stdout.write(`[infra] ${line}\n`),
  });
  // The same servers as a developer's running shop, but Redis database 15, not its 0.
  process.env[TEST_INFRA_ENV] = JSON.stringify({
    ...endpoints,
    redisUrl: withRedisDatabase(endpoints.redisUrl, TEST_REDIS_DB),
  });
  // Leave a developer's running infra alone; stop only what this run started.
  process.env.SECKILL_TEST_STARTED_INFRA = wasRunning ? '' : '1';
}
