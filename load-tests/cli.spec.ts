import { UsageError } from './engine/infra';
import { USAGE, parseLoadCommand } from './cli';

describe('npm run load', () => {
  it('help without arguments, with --help or -h', () => {
    expect(parseLoadCommand([])).toEqual({ kind: 'help' });
    expect(parseLoadCommand(['flash-sale', '--help'])).toEqual({ kind: 'help' });
    expect(parseLoadCommand(['-h'])).toEqual({ kind: 'help' });
  });

  it('a scenario with its own and the common options', () => {
    const c = parseLoadCommand(['flash-sale', '--stock', '50', '--no-ceiling', '--timeout', '5s']);
    if (c.kind !== 'run') throw new Error('expected a run');
    expect(c.scenario.name).toBe('flash-sale');
    expect(c.options).toMatchObject({ stock: 50, noCeiling: true, timeout: 5, rate: 3000 });
  });

  it('refuses an unknown scenario, and another scenario’s options', () => {
    expect(() => parseLoadCommand(['hot-path'])).toThrow(/unknown scenario "hot-path"/);
    expect(() => parseLoadCommand(['steady', '--capacity', '5'])).toThrow(UsageError);
  });

  it('the usage lists every scenario and the common options', () => {
    for (const name of ['flash-sale', 'sold-out-storm', 'overload', 'steady', '--no-ceiling'])
      expect(USAGE).toContain(name);
  });
});
