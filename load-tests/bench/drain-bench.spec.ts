import { UsageError } from '../engine/infra';
import { DRAIN_DEFAULTS, parseDrainCommand } from './drain-bench';
import { defaultTimeoutSec, SAGA_DRAIN_DEFAULTS } from './saga-drain';

describe('parseDrainCommand', () => {
  it('measures the whole saga by default, with a timeout that grows with the backlog', () => {
    expect(parseDrainCommand([])).toEqual({
      kind: 'saga',
      options: {
        ...SAGA_DRAIN_DEFAULTS,
        timeoutSec: defaultTimeoutSec(SAGA_DRAIN_DEFAULTS.orders),
      },
      updateDocs: false,
    });
    expect(defaultTimeoutSec(10_000)).toBe(1_120);
  });

  it('reads the saga options, durations in any unit', () => {
    expect(
      parseDrainCommand([
        '--orders',
        '10000',
        '--concurrency=64',
        '--sample',
        '250ms',
        '--timeout',
        '10m',
        '--ceiling',
        '5s',
        '--update-docs',
      ]),
    ).toEqual({
      kind: 'saga',
      options: { orders: 10_000, concurrency: 64, sampleMs: 250, timeoutSec: 600, ceilingSec: 5 },
      updateDocs: true,
    });
  });

  it('keeps the runner-only measurement and its options behind --runner-only', () => {
    expect(parseDrainCommand(['--runner-only', '--rate', '500', '--update-docs'])).toEqual({
      kind: 'runner',
      options: { ...DRAIN_DEFAULTS, rate: 500 },
      updateDocs: true,
    });
  });

  it('refuses options of the other mode and values out of range', () => {
    const message = (argv: string[]): string => {
      try {
        parseDrainCommand(argv);
      } catch (err) {
        if (err instanceof UsageError) return err.message;
        throw err;
      }
      throw new Error(`no usage error for ${argv.join(' ')}`);
    };
    expect(message(['--rate', '500'])).toBe('unknown option --rate');
    expect(message(['--runner-only', '--orders', '100'])).toBe('unknown option --orders');
    expect(message(['--orders', '5'])).toBe('--orders must be in [10, 100000], got 5');
    expect(message(['--sample', '20ms'])).toBe('--sample must be between 50ms and 10s, got 20ms');
    expect(message(['now'])).toBe('unexpected argument: now');
  });
});
