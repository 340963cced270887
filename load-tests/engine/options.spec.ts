import { UsageError } from './infra';
import {
  COMMON_OPTIONS,
  cliName,
  flag,
  int,
  list,
  optionalInt,
  parseScenarioOptions,
  seconds,
  url,
  usageLines,
} from './options';

const specs = {
  ...COMMON_OPTIONS,
  stock: int(100, 'units'),
  rampFrom: int(500, 'start'),
  duration: seconds(10, 'length'),
  multiples: list([1, 2], 'multiples'),
  capacity: optionalInt('capacity'),
  dry: flag('dry'),
  target: url('http://127.0.0.1:1', 'target'),
};

describe('scenario options', () => {
  it('camelCase keys are --kebab-case options', () => {
    expect(cliName('rampFrom')).toBe('--ramp-from');
    expect(cliName('noCeiling')).toBe('--no-ceiling');
  });

  it('defaults when nothing is given', () => {
    const o = parseScenarioOptions(specs, []);
    expect(o).toMatchObject({
      url: 'http://127.0.0.1:3000',
      stock: 100,
      rampFrom: 500,
      duration: 10,
      multiples: [1, 2],
      capacity: null,
      dry: false,
      noCeiling: false,
    });
  });

  it('parses every kind', () => {
    const o = parseScenarioOptions(specs, [
      '--stock',
      '5',
      '--ramp-from=200',
      '--duration',
      '1.5s',
      '--multiples',
      '1,3,9',
      '--capacity',
      '700',
      '--dry',
      '--no-ceiling',
      '--url',
      'http://localhost:3001/x',
    ]);
    expect(o).toMatchObject({
      stock: 5,
      rampFrom: 200,
      duration: 1.5,
      multiples: [1, 3, 9],
      capacity: 700,
      dry: true,
      noCeiling: true,
      url: 'http://localhost:3001',
    });
  });

  it('refuses unknown options, bad values and other hosts', () => {
    expect(() => parseScenarioOptions(specs, ['--nope', '1'])).toThrow(UsageError);
    expect(() => parseScenarioOptions(specs, ['--stock', '0'])).toThrow(/\[1, /);
    expect(() => parseScenarioOptions(specs, ['--duration', 'soon'])).toThrow(UsageError);
    expect(() => parseScenarioOptions(specs, ['--url', 'http://example.com'])).toThrow(
      /this machine/,
    );
    expect(() => parseScenarioOptions(specs, ['extra'])).toThrow(/unexpected argument/);
  });

  it('usage lists each option with its default', () => {
    const lines = usageLines({
      stock: int(100, 'units'),
      duration: seconds(10, 'length'),
      dry: flag('dry'),
    });
    expect(lines).toEqual([
      '  --stock <n>        units (default 100)',
      '  --duration <time>  length (default 10s)',
      '  --dry              dry',
    ]);
  });
});

describe('--flow, a choice', () => {
  it('defaults to the shop’s own flow and takes sync', () => {
    expect(parseScenarioOptions(COMMON_OPTIONS, []).flow).toBe('events');
    expect(parseScenarioOptions(COMMON_OPTIONS, ['--flow', 'sync']).flow).toBe('sync');
  });

  it('names the values it takes when given another', () => {
    expect(() => parseScenarioOptions(COMMON_OPTIONS, ['--flow', 'fast'])).toThrow(
      new UsageError('--flow must be one of events, sync, not "fast"'),
    );
  });

  it('lists its values in the usage text', () => {
    expect(usageLines(COMMON_OPTIONS).find((l) => l.includes('--flow'))).toContain(
      '--flow <events|sync>',
    );
  });
});
