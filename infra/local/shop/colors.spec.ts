import { stripVTControlCharacters } from 'node:util';
import { colorWanted, painter } from './colors';

describe('colours', () => {
  it('follows the terminal unless NO_COLOR or FORCE_COLOR say otherwise', () => {
    expect(colorWanted(true, {})).toBe(true);
    expect(colorWanted(false, {})).toBe(false);
    expect(colorWanted(true, { NO_COLOR: '1' })).toBe(false);
    expect(colorWanted(false, { FORCE_COLOR: '1' })).toBe(true);
    expect(colorWanted(true, { FORCE_COLOR: '0' })).toBe(true);
    expect(colorWanted(true, {}, true)).toBe(false);
  });

  it('paints only when enabled, with codes that strip back to the text', () => {
    expect(painter(false).paint('x', 'red')).toBe('x');
    const red = painter(true).paint('abc', 'red', 'bold');
    expect(red).toBe('\u001b[31m\u001b[1mabc\u001b[22m\u001b[39m');
    expect(stripVTControlCharacters(red)).toBe('abc');
  });
});
