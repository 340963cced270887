/**
 * The helpers load-tests borrows from the infra tooling project: the command-line layer, the
 * local runner (infra up and status, service specs, topics, the vegeta installer, the shop's own
 * kill and restart for the chaos experiments), the consumer groups' lag, the ceilings
 * (bare servers, redis-benchmark, pgbench), the verifier, /metrics parsing, and the control
 * room's catalogue of demos (load-tests/demos runs them).
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
  isLoopback,
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
export {
  repoRoot,
  infraLayout,
  kafkaBrokerAddresses,
  HOST,
  POSTGRES_PASSWORD,
  POSTGRES_PORT,
  POSTGRES_USER,
  REDIS_PORT,
} from '../../infra/local/infra-paths';
export { renderReport } from '../../infra/verify/render';
export { localTarget } from '../../infra/verify/target';
export { type VerifyReport, verify } from '../../infra/verify/verify';
export { infraStatus, infraUp, runningKafkaBrokers, infraEndpoints } from '../../infra/local/infra';
export { SHOP_CONSUMER_GROUPS } from '../../infra/local/topics';
export {
  LOCAL_JWT_SECRET,
  SERVICES,
  SERVICE_NAMES,
  type ServiceName,
  databaseUrl,
  serviceEnv,
  serviceSpec,
} from '../../infra/local/services';
export {
  type Io as ShopIo,
  kill as killService,
  nestedIo,
  restart,
  stop as stopServices,
  stop,
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
export { rehearsalLine, rehearseSale } from '../../infra/local/shop/rehearsal';
export { CEILING_BODY, createCeilingServer } from '../../infra/bench/ceiling-server';
export { percentileOfSorted } from '../../infra/bench/percentile';
export { type PgCeiling, measurePgCeiling } from '../../infra/bench/pg-ceiling';
export {
  type RedisCeiling,
  type ScriptBench,
  measureScript,
} from '../../infra/bench/redis-ceiling';
export { parsePrometheusText, sumOf } from '../../infra/control-room/prometheus-text';
export { baseUrl, httpGet, readiness } from '../../infra/local/shop/health';
