/**
 * Command-line parsing for `npm run shop -- [command] [options]`. Pure: argv in, a typed command
 * (or a UsageError with a message fit to print) out.
 */
import { type BrokerCount } from '../infra-paths';
import { SERVICE_NAMES, type ServiceName } from '../services';

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

/** A mistake in the command line: printed with the usage text, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage: npm run shop -- [command] [options]

Runs the whole seckill shop as local processes: PostgreSQL, Redis and Kafka (the infra runner),
then the six services, each detached with its log in .data/logs/<service>.log.

Commands:
  up (default)         infra up, prisma generate (if missing), compile, migrations, topics,
                       start every service that is not running, wait until all are ready,
                       print where everything is, then stream the services' logs until Ctrl-C
                       (Ctrl-C stops the services, then the infra)
      --brokers 1|3    Kafka brokers (default: the running profile, else 1;
                       3 = RF 3, min.insync.replicas 2)
      --detach, -d     return after the table; everything keeps running
      --keep-infra     on Ctrl-C stop only the services
      --timeout <s>    how long to wait for readiness (default ${DEFAULT_READY_TIMEOUT_MS / 1000})
      --no-rehearsal   skip the rehearsal: when it starts a service, "up" first sells a small
                       sale (50 units, 1,000 buyers) and waits for its saga, so that the next
                       crowd meets a warm shop; without it the first burst is served cold
      --tracing        also start Jaeger (built with Go on first use) and trace every purchase
                       end to end; the table prints the Jaeger UI (docs/tracing.md)
  status               each service's pid, port, liveness and readiness, and the infra
  stop [--keep-infra]  stop the services (SIGTERM, SIGKILL after 20 s), then the infra
  stop <service...>    stop only these services (SIGTERM, SIGKILL after 20 s); the rest and the
                       infra keep running
  kill <service>       SIGKILL one service (to demonstrate recovery)
  restart <service...> stop each if running, start them all at once, wait until all are ready
                       [--timeout <s>]
  logs [service...]    stream the services' logs (all by default) [--lines/-n <n>, default ${DEFAULT_LOG_LINES}]
  help, --help, -h     this text

Options for every command:
  --no-color           plain output even on a terminal (NO_COLOR is honoured too)

Services: ${SERVICE_NAMES.join(', ')} ("inventory" is short for "inventory-service").
Code changes: "npm run compile" then "npm run shop -- restart <service>".
`;

/** Resolves a service name (or its short form without "-service"); throws a UsageError listing valid names. */
export function resolveService(name: string): ServiceName {
  const candidates = [name, `${name}-service`];
  for (const c of candidates) {
    const found = SERVICE_NAMES.find((s) => s === c);
    if (found) return found;
  }
  throw new UsageError(`unknown service "${name}"; valid services: ${SERVICE_NAMES.join(', ')}`);
}

const COMMANDS = ['up', 'status', 'stop', 'kill', 'restart', 'logs', 'help'] as const;
type CommandName = (typeof COMMANDS)[number];

/** Options taking a value, by canonical name. */
const VALUE_OPTIONS: Record<string, string> = {
  '--brokers': 'brokers',
  '--timeout': 'timeout',
  '--lines': 'lines',
  '-n': 'lines',
};
const FLAG_OPTIONS: Record<string, string> = {
  '--detach': 'detach',
  '-d': 'detach',
  '--keep-infra': 'keep-infra',
  '--no-rehearsal': 'no-rehearsal',
  '--tracing': 'tracing',
  '--no-color': 'no-color',
  '--help': 'help',
  '-h': 'help',
};

/** Which options each command accepts (no-color and help go with every command). */
const ALLOWED: Record<CommandName, readonly string[]> = {
  up: ['brokers', 'detach', 'keep-infra', 'timeout', 'no-rehearsal', 'tracing'],
  status: [],
  stop: ['keep-infra'],
  kill: [],
  restart: ['timeout'],
  logs: ['lines'],
  help: [],
};

function isCommand(token: string): token is CommandName {
  return (COMMANDS as readonly string[]).includes(token);
}

function positiveInt(option: string, raw: string, min: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min) {
    throw new UsageError(
      `${option} takes a whole number${min > 0 ? ` ≥ ${min}` : ''}, got "${raw}"`,
    );
  }
  return Number(raw);
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const positionals: string[] = [];

  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (!token.startsWith('-') || token === '-') {
      positionals.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    const name = eq > 0 ? token.slice(0, eq) : token;
    const inline = eq > 0 ? token.slice(eq + 1) : undefined;
    const valueKey = VALUE_OPTIONS[name];
    const flagKey = FLAG_OPTIONS[name];
    if (valueKey) {
      const value = inline ?? argv[++i];
      if (value === undefined || (inline === undefined && value.startsWith('--'))) {
        throw new UsageError(`${name} needs a value`);
      }
      values.set(valueKey, value);
    } else if (flagKey) {
      if (inline !== undefined) throw new UsageError(`${name} takes no value`);
      flags.add(flagKey);
    } else {
      throw new UsageError(`unknown option "${name}"`);
    }
  }

  const noColor = flags.has('no-color');
  if (flags.has('help')) return { command: { kind: 'help' }, noColor };

  const first = positionals[0];
  let cmd: CommandName = 'up';
  let rest = positionals;
  if (first !== undefined) {
    if (!isCommand(first)) {
      throw new UsageError(`unknown command "${first}"; commands: ${COMMANDS.join(', ')}`);
    }
    cmd = first;
    rest = positionals.slice(1);
  }

  const used = [...values.keys(), ...[...flags].filter((f) => f !== 'no-color')];
  const misplaced = used.filter((o) => !ALLOWED[cmd].includes(o));
  if (misplaced.length) {
    throw new UsageError(`"${cmd}" does not take ${misplaced.map((o) => `--${o}`).join(', ')}`);
  }

  const brokersRaw = values.get('brokers');
  if (brokersRaw !== undefined && brokersRaw !== '1' && brokersRaw !== '3') {
    throw new UsageError(`--brokers takes 1 or 3, got "${brokersRaw}"`);
  }
  const timeoutRaw = values.get('timeout');
  const timeoutMs =
    timeoutRaw === undefined
      ? DEFAULT_READY_TIMEOUT_MS
      : positiveInt('--timeout', timeoutRaw, 1) * 1000;

  const noPositionals = (): void => {
    if (rest.length) throw new UsageError(`"${cmd}" takes no arguments, got: ${rest.join(' ')}`);
  };
  const services = (): ServiceName[] => [...new Set(rest.map(resolveService))];
  const oneService = (): ServiceName => {
    if (rest.length !== 1) {
      throw new UsageError(
        `"${cmd}" needs exactly one service; valid services: ${SERVICE_NAMES.join(', ')}`,
      );
    }
    return resolveService(rest[0]);
  };

  switch (cmd) {
    case 'up':
      noPositionals();
      return {
        command: {
          kind: 'up',
          brokers: brokersRaw === undefined ? undefined : brokersRaw === '3' ? 3 : 1,
          detach: flags.has('detach'),
          keepInfra: flags.has('keep-infra'),
          timeoutMs,
          rehearse: !flags.has('no-rehearsal'),
          tracing: flags.has('tracing'),
        },
        noColor,
      };
    case 'status':
      noPositionals();
      return { command: { kind: 'status' }, noColor };
    case 'stop': {
      const named = services();
      if (named.length && flags.has('keep-infra')) {
        throw new UsageError(
          '"stop <service...>" never stops the infra; --keep-infra goes without services',
        );
      }
      return {
        command: { kind: 'stop', services: named, keepInfra: flags.has('keep-infra') },
        noColor,
      };
    }
    case 'kill':
      return { command: { kind: 'kill', service: oneService() }, noColor };
    case 'restart': {
      const named = services();
      if (named.length === 0) {
        throw new UsageError(
          `"restart" needs at least one service; valid services: ${SERVICE_NAMES.join(', ')}`,
        );
      }
      return { command: { kind: 'restart', services: named, timeoutMs }, noColor };
    }
    case 'logs': {
      const linesRaw = values.get('lines');
      const lines =
        linesRaw === undefined ? DEFAULT_LOG_LINES : positiveInt('--lines', linesRaw, 0);
      return { command: { kind: 'logs', services: services(), lines }, noColor };
    }
    case 'help':
      return { command: { kind: 'help' }, noColor };
  }
}
