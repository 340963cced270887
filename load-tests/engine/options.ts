/**
 * Command-line options of the scenarios, declared once with their defaults and help (the usage
 * text is made from them). `camelCase` keys are `--kebab-case` options. Pure.
 */
import { choice, flag, int, type OptionValues, parseOptionValues, seconds, url } from './infra';

// The declarations and their parsing are the command-line layer's (infra/cli/command-line.ts).
export {
  type OptionSpec,
  type OptionSpecs,
  type OptionValues,
  choice,
  cliName,
  flag,
  int,
  list,
  optionalInt,
  seconds,
  url,
  usageLines,
} from './infra';

/** The options of `specs` (no positional): the layer's parser. */
export const parseScenarioOptions = parseOptionValues;

/** The options every scenario has. */
export const COMMON_OPTIONS = {
  url: url('http://127.0.0.1:3000', 'the gateway (must be on this machine)'),
  timeout: seconds(10, 'per-request timeout; no answer by then is a transport error'),
  settleTimeout: seconds(120, 'how long to wait for the saga to settle every accepted order'),
  idleTimeout: seconds(
    60,
    "before each stage against the shop, how long to wait at most for the saga's lag to reach 0",
  ),
  replayRefusals: int(200, 'how many definite refusals (409/429/4xx) to replay as a spot check', 0),
  replayMax: int(20_000, 'at most this many unsettled answers (5xx, no answer) to replay', 0),
  noIdleWait: flag("start each stage at once, whatever the saga's lag"),
  noCeiling: flag("skip the generator's ceiling (the figures then say nothing about it)"),
  noVerify: flag("skip the verifier's check of the run's sale (npm run verify) at the end"),
  flow: choice(
    ['events', 'sync'] as const,
    'events',
    "how the run's sale is sold: events (the shop) or sync (the synchronous baseline, ADR 0012)",
  ),
};
export type CommonOptions = OptionValues<typeof COMMON_OPTIONS>;
