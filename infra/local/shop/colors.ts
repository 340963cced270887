/**
 * Styling for the shop CLI, by Node's util.styleText. Colour only when the stream is a terminal and
 * the user has not opted out (NO_COLOR, https://no-color.org); FORCE_COLOR turns it on for pipes.
 */
import { styleText } from 'node:util';

export type Style =
  'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'gray';

export interface Painter {
  readonly enabled: boolean;
  paint(text: string, ...styles: readonly Style[]): string;
}

export function painter(enabled: boolean): Painter {
  return {
    enabled,
    paint: (text, ...styles) =>
      enabled && styles.length > 0 && text !== ''
        ? styleText([...styles], text, { validateStream: false })
        : text,
  };
}

/**
 * Whether to colour output written to a stream with this TTY-ness, given the environment. Stays
 * beside styleText's own stream check, which reads only process.env, has no --no-color, and takes
 * FORCE_COLOR=0 or TERM=dumb on a terminal as "no colour".
 */
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
