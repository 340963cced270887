/**
 * npm run load -- <scenario> [options] | --help
 *
 * Load scenarios against the running shop (load-tests/). The driver is autocannon, driven from
 * TypeScript (see load-tests/README.md for why not k6, and how a scenario maps to k6).
 */
import * as path from 'node:path';
import {
  HOT_PATH_DEFAULTS,
  type HotPathOptions,
  lineLogger,
  parseCommandLine,
  parseLoadArgs,
} from '../bench/args';
import { ApiError } from '../bench/shop-api';
import { repoRoot } from '../local/infra-paths';

/** A scenario is a module in load-tests/, loaded by name (like a k6 script file). */
interface HotPathScenario {
  runHotPath(options: HotPathOptions, log: (line: string) => void): Promise<{ ok: boolean }>;
}

const d = HOT_PATH_DEFAULTS;
const USAGE = `Usage: npm run load -- <scenario> [options]

Scenarios:
  hot-path   a flash sale far above its stock through the gateway: creates an open sale (admin
             dev token), mints dev tokens for --users users, then fires a ramp of --steps phases
             of POST /api/sales/:id/orders (random user, own token, fresh Idempotency-Key) with
             connections and rate cap growing to --connections / --rate; then checks accepted ==
             stock, the per-user limit, the orders, remainingStock and zero 5xx. Exit 1 if a
             check fails.

Options (hot-path):
  --url <url>            the gateway (default ${d.url}; must be on this machine)
  --stock <n>            stock of the sale (default ${d.stock})
  --users <n>            distinct users, each with a dev token (default ${d.users})
  --per-user-limit <n>   the sale's perUserLimit (default ${d.perUserLimit})
  --connections <n>      connections (virtual users) of the last step (default ${d.connections})
  --rate <req/s>         request-rate cap of the last step; 0 = uncapped (default ${d.rate})
  --steps <n>            ramp steps; step i runs i/n of the peak (default ${d.steps})
  --duration <time>      whole ramp, e.g. 20s, 2m (default ${d.durationSec}s)
  --timeout <time>       per-request timeout (default ${d.timeoutSec}s)

The gateway needs DEV_TOKEN_ENABLED=true (the local runner sets it). Start the shop first:
  npm run shop -- --detach
`;

async function main(argv: readonly string[]): Promise<number> {
  const command = parseCommandLine('load', USAGE, parseLoadArgs, argv);
  if (typeof command === 'number') return command;
  const log = lineLogger();
  try {
    const scenario = (await import(
      path.join(repoRoot(), 'load-tests', 'hot-path.ts')
    )) as HotPathScenario;
    const result = await scenario.runHotPath(command.options, log);
    log('');
    log(result.ok ? 'hot-path: all checks passed' : 'hot-path: CHECKS FAILED');
    return result.ok ? 0 : 1;
  } catch (err) {
    if (err instanceof ApiError && err.status === null)
      throw new Error(
        `${err.message}\nIs the shop running? npm run shop -- --detach (then npm run shop -- status)`,
      );
    throw err;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`\nload: error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
