/**
 * The front door of `npm run bench -- tracing [options] | --help`: the usage text, the options,
 * a shop that is not there, Ctrl-C, the exit code (0 when both runs passed their checks, 1
 * otherwise, 2 on a usage error or a missing shop).
 */
import { shopIsUp } from '../chaos/cli';
import { stopAttacks } from '../engine/attack';
import { command, helpText, lineLogger, runCommandLine } from '../engine/infra';
import { stopAllChildren } from '../bench/children';
import { COMMON_OPTIONS, int, seconds } from '../engine/options';
import { formatTracingCost, runTracingCost } from './tracing-cost';

export const TRACING_OPTIONS = {
  rate: int(50, 'arrivals per second of the steady crowd (below capacity: a cost, not a knee)'),
  duration: seconds(30, 'length of each run'),
  users: int(600, 'distinct buyers'),
  rounds: int(2, 'pairs of runs, off then on; the figures are the medians', 1, 10),
};

export const TRACING_CLI = {
  name: 'bench tracing',
  usage: 'npm run bench -- tracing [options]',
  description: `What OpenTelemetry costs: the same steady open-model crowd against the running shop twice, its
six services restarted (and warmed up by the shop's rehearsal) before each, first with the SDK
off (OTEL_SDK_DISABLED=true), then exporting every span to Jaeger (started if it does not run;
built once with Go). Prints, per
run, the CPU µs per answer of the hot path (gateway, order-service) and of the saga, and the
202s' p50/p99, then the difference of the medians. Leaves the services running untraced.
About a minute a run (4 runs with the defaults).
Start the shop first: npm run shop -- --detach`,
  command: command({
    options: { ...TRACING_OPTIONS, ...COMMON_OPTIONS },
    sections: [
      { title: "Options of every run (the load engine's)", keys: Object.keys(COMMON_OPTIONS) },
    ],
    build: (options) => options,
  }),
};

export const USAGE = helpText(TRACING_CLI);

export async function main(argv: readonly string[]): Promise<number> {
  const o = runCommandLine(TRACING_CLI, argv);
  if (typeof o === 'number') return o;
  if (!(await shopIsUp(o.url))) {
    process.stderr.write(
      `bench tracing: the shop is not ready at ${o.url}; start it with "npm run shop -- --detach"\n`,
    );
    return 2;
  }
  const log = lineLogger();
  const stopping = new AbortController();
  process.once('SIGINT', () => {
    log('\nbench tracing: interrupted; stopping vegeta, then restarting the services untraced');
    stopping.abort();
    stopAttacks();
  });
  try {
    const report = await runTracingCost(
      { common: o, rate: o.rate, duration: o.duration, users: o.users, rounds: o.rounds },
      log,
      stopping.signal,
    );
    log('');
    for (const line of formatTracingCost(report)) log(line);
    return report.runs.length === 2 && report.runs.every((r) => r.ok) ? 0 : 1;
  } finally {
    await stopAllChildren();
  }
}
