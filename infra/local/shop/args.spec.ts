import {
  DEFAULT_LOG_LINES,
  DEFAULT_READY_TIMEOUT_MS,
  UsageError,
  parseArgs,
  resolveService,
} from './args';

function usageError(argv: readonly string[]): string {
  try {
    parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  throw new Error(`expected a UsageError for ${argv.join(' ')}`);
}

describe('parseArgs', () => {
  it('defaults to up, attached, with the broker count left to what runs', () => {
    expect(parseArgs([])).toEqual({
      command: {
        kind: 'up',
        brokers: undefined,
        detach: false,
        keepInfra: false,
        timeoutMs: DEFAULT_READY_TIMEOUT_MS,
        rehearse: true,
        tracing: false,
      },
      noColor: false,
    });
  });

  it('starts tracing with --tracing, which only "up" takes', () => {
    expect(parseArgs(['--tracing', '-d']).command).toMatchObject({ kind: 'up', tracing: true });
    expect(usageError(['restart', 'gateway', '--tracing'])).toMatch(
      /"restart" does not take --tracing/,
    );
    expect(usageError(['--tracing=yes'])).toMatch(/--tracing takes no value/);
  });

  it('skips the rehearsal with --no-rehearsal, which only "up" takes', () => {
    expect(parseArgs(['--no-rehearsal', '-d']).command).toMatchObject({
      kind: 'up',
      rehearse: false,
      detach: true,
    });
    expect(usageError(['restart', 'gateway', '--no-rehearsal'])).toMatch(
      /"restart" does not take --no-rehearsal/,
    );
  });

  it('passes --brokers 3 and --detach through to up, with or without the word "up"', () => {
    const expected = {
      kind: 'up',
      brokers: 3,
      detach: true,
      keepInfra: false,
      timeoutMs: DEFAULT_READY_TIMEOUT_MS,
      rehearse: true,
      tracing: false,
    };
    expect(parseArgs(['--brokers', '3', '--detach']).command).toEqual(expected);
    expect(parseArgs(['up', '--brokers=3', '-d']).command).toEqual(expected);
  });

  it('reads --keep-infra and --timeout in seconds', () => {
    expect(parseArgs(['up', '--keep-infra', '--timeout', '30']).command).toMatchObject({
      keepInfra: true,
      timeoutMs: 30_000,
    });
    expect(parseArgs(['--brokers=1']).command).toMatchObject({ brokers: 1 });
    expect(parseArgs(['stop', '--keep-infra']).command).toEqual({
      kind: 'stop',
      services: [],
      keepInfra: true,
    });
  });

  it('parses stop with services: only those, never the infra', () => {
    expect(parseArgs(['stop', 'inventory', 'payment-service', 'inventory']).command).toEqual({
      kind: 'stop',
      services: ['inventory-service', 'payment-service'],
      keepInfra: false,
    });
    expect(usageError(['stop', 'inventory', '--keep-infra'])).toBe(
      '"stop <service...>" never stops the infra; --keep-infra goes without services',
    );
  });

  it('rejects a broker count other than 1 or 3', () => {
    expect(usageError(['--brokers', '2'])).toBe('--brokers takes 1 or 3, got "2"');
    expect(usageError(['--brokers'])).toBe('--brokers needs a value');
  });

  it('parses kill with one service and restart with one or more, accepting the short name', () => {
    expect(parseArgs(['kill', 'inventory-service']).command).toEqual({
      kind: 'kill',
      service: 'inventory-service',
    });
    expect(parseArgs(['restart', 'inventory']).command).toEqual({
      kind: 'restart',
      services: ['inventory-service'],
      timeoutMs: DEFAULT_READY_TIMEOUT_MS,
    });
    expect(parseArgs(['restart', 'gateway', '--timeout=5']).command).toMatchObject({
      services: ['gateway'],
      timeoutMs: 5_000,
    });
    expect(parseArgs(['restart', 'payment', 'logistics', 'payment']).command).toMatchObject({
      services: ['payment-service', 'logistics-service'],
    });
  });

  it('names the valid services when one is unknown', () => {
    expect(usageError(['kill', 'invntory'])).toBe(
      'unknown service "invntory"; valid services: gateway, order-service, inventory-service, payment-service, logistics-service, notification-service',
    );
    expect(usageError(['kill'])).toMatch(
      /^"kill" needs exactly one service; valid services: gateway, /,
    );
    expect(usageError(['kill', 'gateway', 'order-service'])).toMatch(/needs exactly one service/);
    expect(usageError(['restart'])).toMatch(
      /^"restart" needs at least one service; valid services: gateway, /,
    );
    expect(usageError(['restart', 'gateway', 'invntory'])).toMatch(/^unknown service "invntory"/);
  });

  it('parses logs with any number of services (deduplicated) and --lines', () => {
    expect(parseArgs(['logs']).command).toEqual({
      kind: 'logs',
      services: [],
      lines: DEFAULT_LOG_LINES,
    });
    expect(parseArgs(['logs', 'order', 'gateway', 'order-service', '-n', '0']).command).toEqual({
      kind: 'logs',
      services: ['order-service', 'gateway'],
      lines: 0,
    });
    expect(usageError(['logs', '--lines', 'many'])).toBe(
      '--lines takes a whole number, got "many"',
    );
  });

  it('refuses options that do not belong to the command', () => {
    expect(usageError(['status', '--detach'])).toBe('"status" does not take --detach');
    expect(usageError(['kill', 'gateway', '--brokers', '3'])).toBe(
      '"kill" does not take --brokers',
    );
    expect(usageError(['status', 'extra'])).toBe('"status" takes no arguments, got: extra');
  });

  it('rejects unknown commands and options', () => {
    expect(usageError(['start'])).toBe(
      'unknown command "start" (known: up, status, stop, kill, restart, logs)',
    );
    expect(usageError(['--verbose'])).toBe('unknown option --verbose');
    expect(usageError(['--detach=yes'])).toBe('--detach takes no value');
  });

  it('treats --help anywhere, and "help", as help; --no-color goes with any command', () => {
    expect(parseArgs(['kill', '--help']).command).toEqual({ kind: 'help' });
    expect(parseArgs(['-h']).command).toEqual({ kind: 'help' });
    expect(parseArgs(['help']).command).toEqual({ kind: 'help' });
    expect(parseArgs(['status', '--no-color'])).toEqual({
      command: { kind: 'status' },
      noColor: true,
    });
  });
});

describe('resolveService', () => {
  it('accepts full and short names only', () => {
    expect(resolveService('payment-service')).toBe('payment-service');
    expect(resolveService('payment')).toBe('payment-service');
    expect(resolveService('gateway')).toBe('gateway');
    expect(() => resolveService('pay')).toThrow(UsageError);
  });
});
