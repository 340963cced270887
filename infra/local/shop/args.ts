/**
 * Command-line parsing for `npm run shop -- [command] [options]`. Pure: argv in, a typed command
 * (or a UsageError with a message fit to print) out.
 */
import { type BrokerCount } from '../infra-paths';
import { SERVICE_NAMES, type ServiceName } from '../services';
import {
  UsageError,
  command,
  custom,
  flag,
  helpText,
  parseCommandLine,
} from '../../cli/command-line';

export const DEFAULT_READY_TIMEOUT_MS = 180_000;
export const DEFAULT_LOG_LINES = 10;

export type ShopCommand =
  | {
      readonly kind: 'up';
      /** Undefined: whatever Kafka profile already runs, else 1. */
      readonly brokers: BrokerCount | undefined;
      readonly detach: boolean;
      readonly keepInfra: boolean;
      readonly timeoutMs: number;
      /** Rehearse a small sale before "ready" when a service was started (REHEARSAL). */
      readonly rehearse: boolean;
      /** Start Jaeger and give the services started now its OTLP endpoint (docs/tracing.md). */
      readonly tracing: boolean;
    }
  | { readonly kind: 'status' }
  | {
      readonly kind: 'stop';
      /** None named: every service, then the infra (unless keepInfra). Named: only those. */
      readonly services: readonly ServiceName[];
      readonly keepInfra: boolean;
    }
  | { readonly kind: 'kill'; readonly service: ServiceName }
  | {
      readonly kind: 'restart';
      /** Started together and awaited together. */
      readonly services: readonly ServiceName[];
      readonly timeoutMs: number;
    }
  | { readonly kind: 'logs'; readonly services: readonly ServiceName[]; readonly lines: number }
  | { readonly kind: 'help' };

export interface ParsedArgs {
  readonly command: ShopCommand;
  /** --no-color: never colour, even on a terminal. */
  readonly noColor: boolean;
}

export { UsageError };

/** Resolves a service name (or its short form without "-service"); throws a UsageError listing valid names. */
export function resolveService(name: string): ServiceName {
  const candidates = [name, `${name}-service`];
  for (const c of candidates) {
    const found = SERVICE_NAMES.find((s) => s === c);
    if (found) return found;
  }
  throw new UsageError(`unknown service "${name}"; valid services: ${SERVICE_NAMES.join(', ')}`);
}

function wholeNumber(min: number): (raw: string, option: string) => number {
  return (raw, option) => {
    if (!/^\d+$/.test(raw) || Number(raw) < min) {
      throw new UsageError(
        `${option} takes a whole number${min > 0 ? ` ≥ ${min}` : ''}, got "${raw}"`,
      );
    }
    return Number(raw);
  };
}

const COMMON = { noColor: flag('plain output even on a terminal (NO_COLOR is honoured too)') };

const timeout = custom(
  '<s>',
  DEFAULT_READY_TIMEOUT_MS / 1000,
  'how long to wait for readiness, in seconds',
  wholeNumber(1),
);

const services = (rest: readonly string[]): ServiceName[] => [...new Set(rest.map(resolveService))];

export const SHOP_CLI = {
  name: 'shop',
  usage: 'npm run shop -- [command] [options]',
  description: `Runs the whole seckill shop as local processes: PostgreSQL, Redis and Kafka (the infra runner),
then the six services, each detached with its log in .data/logs/<service>.log.`,
  defaultCommand: 'up',
  common: COMMON,
  commands: {
    up: command({
      summary: `infra up, prisma generate (if missing), compile, migrations, topics,
start every service that is not running, wait until all are ready,
print where everything is, then stream the services' logs until Ctrl-C
(Ctrl-C stops the services, then the infra)`,
      options: {
        ...COMMON,
        brokers: custom<BrokerCount | undefined>(
          '1|3',
          undefined,
          'Kafka brokers (default: the running profile, else 1; 3 = RF 3, min.insync.replicas 2)',
          (raw, option) => {
            if (raw !== '1' && raw !== '3')
              throw new UsageError(`${option} takes 1 or 3, got "${raw}"`);
            return raw === '3' ? 3 : 1;
          },
        ),
        detach: flag('return after the table; everything keeps running', '-d'),
        keepInfra: flag('on Ctrl-C stop only the services'),
        timeout,
        noRehearsal: flag(
          'skip the rehearsal: when it starts a service, "up" first sells a small sale (50 units, 1,000 buyers) and waits for its saga, so that the next crowd meets a warm shop; without it the first burst is served cold',
        ),
        tracing: flag(
          'also start Jaeger (built with Go on first use) and trace every purchase end to end; the table prints the Jaeger UI (docs/tracing.md)',
        ),
      },
      build: (o): ParsedArgs => ({
        command: {
          kind: 'up',
          brokers: o.brokers,
          detach: o.detach,
          keepInfra: o.keepInfra,
          timeoutMs: o.timeout * 1000,
          rehearse: !o.noRehearsal,
          tracing: o.tracing,
        },
        noColor: o.noColor,
      }),
    }),
    status: command({
      summary: "each service's pid, port, liveness and readiness, and the infra",
      options: COMMON,
      build: (o): ParsedArgs => ({ command: { kind: 'status' }, noColor: o.noColor }),
    }),
    stop: command({
      summary: `none named: stop the services (SIGTERM, SIGKILL after 20 s), then the infra;
named: stop only these services; the rest and the infra keep running`,
      args: '[service...]',
      options: { ...COMMON, keepInfra: flag('stop only the services (none named)') },
      build: (o, rest): ParsedArgs => {
        const named = services(rest);
        if (named.length && o.keepInfra) {
          throw new UsageError(
            '"stop <service...>" never stops the infra; --keep-infra goes without services',
          );
        }
        return {
          command: { kind: 'stop', services: named, keepInfra: o.keepInfra },
          noColor: o.noColor,
        };
      },
    }),
    kill: command({
      summary: 'SIGKILL one service (to demonstrate recovery)',
      args: '<service>',
      options: COMMON,
      build: (o, rest): ParsedArgs => {
        if (rest.length !== 1) {
          throw new UsageError(
            `"kill" needs exactly one service; valid services: ${SERVICE_NAMES.join(', ')}`,
          );
        }
        return { command: { kind: 'kill', service: resolveService(rest[0]) }, noColor: o.noColor };
      },
    }),
    restart: command({
      summary: 'stop each if running, start them all at once, wait until all are ready',
      args: '<service...>',
      options: { ...COMMON, timeout },
      build: (o, rest): ParsedArgs => {
        const named = services(rest);
        if (named.length === 0) {
          throw new UsageError(
            `"restart" needs at least one service; valid services: ${SERVICE_NAMES.join(', ')}`,
          );
        }
        return {
          command: { kind: 'restart', services: named, timeoutMs: o.timeout * 1000 },
          noColor: o.noColor,
        };
      },
    }),
    logs: command({
      summary: "stream the services' logs (all by default)",
      args: '[service...]',
      options: {
        ...COMMON,
        lines: custom('<n>', DEFAULT_LOG_LINES, 'lines of each log to start with', wholeNumber(0), {
          short: '-n',
        }),
      },
      build: (o, rest): ParsedArgs => ({
        command: { kind: 'logs', services: services(rest), lines: o.lines },
        noColor: o.noColor,
      }),
    }),
  },
  footer: `Services: ${SERVICE_NAMES.join(', ')} ("inventory" is short for "inventory-service").
Code changes: "npm run compile" then "npm run shop -- restart <service>".`,
};

export const USAGE = helpText(SHOP_CLI);

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const parsed = parseCommandLine(SHOP_CLI, argv);
  return 'kind' in parsed ? { command: parsed, noColor: argv.includes('--no-color') } : parsed;
}
