/**
 * Minimal ANSI styling for the shop CLI. Colour only when the stream is a terminal and the user
 * has not opted out (NO_COLOR, https://no-color.org); FORCE_COLOR turns it on for pipes.
 */

export type Style =
  'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'gray';

const CODES: Record<Style, readonly [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  gray: [90, 39],
};

export interface Painter {
  readonly enabled: boolean;
  paint(text: string, ...styles: readonly Style[]): string;
}

export function painter(enabled: boolean): Painter {
  return {
    enabled,
    paint(text, ...styles) {
      if (!enabled || styles.length === 0 || text === '') return text;
      let out = text;
      for (const s of styles) out = `\u001b[${CODES[s][0]}m${out}\u001b[${CODES[s][1]}m`;
      return out;
    },
  };
}

/** Whether to colour output written to a stream with this TTY-ness, given the environment. */
export function colorWanted(
  isTty: boolean,
  env: NodeJS.ProcessEnv = process.env,
  forceOff = false,
): boolean {
  if (forceOff) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false')
    return true;
  return isTty;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/** The printable width of a string, ignoring colour codes (for table alignment). */
export function visibleLength(text: string): number {
  return text.replace(ANSI, '').length;
}

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}
