import { UsageError } from '../engine/infra';
import { USAGE, parseCompareCommand } from './cli';

describe('npm run bench -- compare', () => {
  it('runs both designs with the defaults', () => {
    const command = parseCompareCommand([]);
    const options = command.kind === 'run' ? command.options : null;
    expect(options).toMatchObject({ stock: 100, buyersPerUnit: 20, skipDownstream: false });
    // Both designs run: the load engine's --flow is not an option of the comparison.
    expect(options).not.toHaveProperty('flow');
  });

  it('says what is wrong with a bad option, in one line', () => {
    expect(() => parseCompareCommand(['--stock', 'many'])).toThrow(UsageError);
    expect(() => parseCompareCommand(['--flow', 'sync'])).toThrow(/unknown option --flow/);
  });

  it('has a usage text naming its phases and options', () => {
    expect(parseCompareCommand(['--help'])).toEqual({ kind: 'help' });
    for (const word of [
      'flash-sale',
      'slow payment',
      'payment down',
      '--skip-downstream',
      '--update-docs',
    ])
      expect(USAGE).toContain(word);
  });
});
