import { UsageError, formatStatusTable, parseArgs } from './infra';

describe('parseArgs', () => {
  it('parses the commands', () => {
    expect(parseArgs(['up'])).toEqual({ kind: 'up', brokers: 1 });
    expect(parseArgs(['up', '--brokers', '3'])).toEqual({ kind: 'up', brokers: 3 });
    expect(parseArgs(['up', '--brokers=1'])).toEqual({ kind: 'up', brokers: 1 });
    expect(parseArgs(['down'])).toEqual({ kind: 'down' });
    expect(parseArgs(['status'])).toEqual({ kind: 'status', json: false });
    expect(parseArgs(['status', '--json'])).toEqual({ kind: 'status', json: true });
  });

  it('shows help for no arguments, help, -h and --help anywhere', () => {
    for (const argv of [[], ['help'], ['-h'], ['--help'], ['up', '--help']])
      expect(parseArgs(argv)).toEqual({ kind: 'help' });
  });

  it('rejects unknown commands and bad options', () => {
    expect(() => parseArgs(['start'])).toThrow(UsageError);
    expect(() => parseArgs(['up', '--brokers', '2'])).toThrow(/--brokers takes 1 or 3, got 2/);
    expect(() => parseArgs(['up', '--brokers'])).toThrow(/--brokers needs a value/);
    expect(() => parseArgs(['up', '--fast'])).toThrow(/unknown option --fast/);
    expect(() => parseArgs(['down', '--now'])).toThrow(/unknown option --now/);
    expect(() => parseArgs(['status', '-v'])).toThrow(/unknown option/);
  });
});

describe('formatStatusTable', () => {
  it('aligns columns', () => {
    const table = formatStatusTable([
      {
        component: 'postgres',
        pid: 101,
        port: 5432,
        running: true,
        logFile: '/r/.data/logs/postgres.log',
      },
      { component: 'kafka-1', pid: null, port: 9092, running: false, detail: 'stale pid file' },
    ]);
    expect(table.split('\n')).toEqual([
      'COMPONENT  PID  PORT  STATE    LOG / NOTES',
      'postgres   101  5432  running  /r/.data/logs/postgres.log',
      'kafka-1    -    9092  stopped  stale pid file',
    ]);
  });
});
