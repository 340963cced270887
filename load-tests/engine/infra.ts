/**
 * The helpers load-tests borrows from the infra tooling project: the shop client, argument
 * parsing, child processes started and stopped by pid, text tables, the vegeta installer, the
 * CPU of every process from /proc, the consumer groups' lag, and the shop's own kill and
 * restart (for the chaos experiments), the verifier, services' /metrics, and the control room's
 * catalogue of demos (load-tests/demos runs them).
 * Nx forbids relative imports across projects, and infra has no npm alias; so every import of
 * infra goes through this one file, where the exception is made once.
 */
/* eslint-disable @nx/enforce-module-boundaries */
export {
  type CommandSpec,
  type OptionSpec,
  type OptionSpecs,
  type OptionValues,
  UsageError,
  choice,
  cliName,
  command,
  custom,
  flag,
  helpText,
  int,
  lineLogger,
  list,
  optionalInt,
  parseCommandLine,
  parseDuration,
  parseOptionValues,
  parseUrl,
  runCommandLine,
  seconds,
  text,
  url,
  usageLines,
} from '../../infra/cli/command-line';
export {
  localKafkaAdmin,
  positions,
  readCommits,
  readEnds,
  waitSagaIdle,
  type GroupCommits,
  type GroupPosition,
  type TopicEnds,
  groupPosition,
} from '../../infra/local/group-lag';
export { repoRoot } from '../../infra/local/infra-paths';
export { renderReport } from '../../infra/verify/render';
export { localTarget } from '../../infra/verify/target';
export { type VerifyReport, verify } from '../../infra/verify/verify';
export { infraStatus, infraUp, runningKafkaBrokers } from '../../infra/local/infra';
export { SHOP_CONSUMER_GROUPS } from '../../infra/local/topics';
export {
  LOCAL_JWT_SECRET,
  SERVICES,
  SERVICE_NAMES,
  type ServiceName,
} from '../../infra/local/services';
export {
  type Io as ShopIo,
  kill as killService,
  nestedIo,
  restart,
  stop as stopServices,
} from '../../infra/local/shop/commands';
export { isAlive, isPortOpen } from '../../infra/local/process';
export { VEGETA_VERSION, ensureVegeta } from '../../infra/local/vegeta';
export {
  DEMOS,
  DEMO_NAMES,
  type DemoEntry,
  type DemoName,
  demoEntry,
  isDemoName,
} from '../../infra/control-room/demo-catalogue';
export { npmScript } from '../../infra/testing/npm-script';
export { serviceLogDigest } from '../../infra/testing/service-log-digest';
export { type Repeating, errorText, repeatEvery, withTimeout } from '../../infra/local/async';
export { readyJaeger, startJaeger } from '../../infra/local/jaeger';
export { infraLayout, kafkaBrokerAddresses } from '../../infra/local/infra-paths';
export { rehearsalLine, rehearseSale } from '../../infra/local/shop/rehearsal';
export { CEILING_BODY, createCeilingServer } from '../../infra/bench/ceiling-server';
export { percentileOfSorted } from '../../infra/bench/percentile';
export { type PgCeiling, measurePgCeiling } from '../../infra/bench/pg-ceiling';
export {
  type RedisCeiling,
  type ScriptBench,
  measureScript,
} from '../../infra/bench/redis-ceiling';
export { isLoopback } from '../../infra/cli/command-line';
export { parsePrometheusText, sumOf } from '../../infra/control-room/prometheus-text';
export { infraEndpoints } from '../../infra/local/infra';
export {
  HOST,
  POSTGRES_PASSWORD,
  POSTGRES_PORT,
  POSTGRES_USER,
  REDIS_PORT,
} from '../../infra/local/infra-paths';
export { databaseUrl, serviceEnv, serviceSpec } from '../../infra/local/services';
export { stop } from '../../infra/local/shop/commands';
export { baseUrl, httpGet, readiness } from '../../infra/local/shop/health';
