/**
 * A Lua script's KEYS and ARGV by name. One ordered list per table says which position holds
 * what; the arrays sent to Redis and the script's prelude (`local userId = ARGV[1]` …) are both
 * built from it, so the script body reads named locals and never an index.
 */

/** The Lua type of an argument's local: ARGV holds strings, the prelude converts them back. */
type LuaType<T> = T extends number ? 'number' : T extends boolean ? 'boolean' : 'string';

/** KEYS in order: the fields of T (all strings), each the name of its Lua local. */
export type KeysLayout<T> = readonly (keyof T & string)[];

/** ARGV in order: the fields of T, each with the Lua type its local gets. */
export type ArgvLayout<T> = readonly {
  readonly [K in keyof T & string]: readonly [K, LuaType<T[K]>];
}[keyof T & string][];

/** The KEYS array: the keys' values in layout order. */
export function encodeKeys<T extends { readonly [K in keyof T]: string }>(
  layout: KeysLayout<T>,
  keys: T,
): string[] {
  return layout.map((name) => keys[name]);
}

/** The ARGV array: the arguments' values in layout order (booleans as '1'/'0'). */
export function encodeArgv<T>(layout: ArgvLayout<T>, args: T): string[] {
  return layout.map(([name, type]) => {
    const value = args[name] as string | number | boolean;
    return type === 'boolean' ? (value ? '1' : '0') : String(value);
  });
}

/** `local <name> = KEYS[i]` / `ARGV[i]` for every position, in the layouts' order. */
export function luaPrelude<K, A>(keys: KeysLayout<K>, argv: ArgvLayout<A>): string {
  const names: string[] = [...keys, ...argv.map(([name]) => name)];
  for (const name of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a Lua name: ${name}`);
  }
  if (new Set(names).size !== names.length) throw new Error(`a name taken twice: ${names}`);
  const read = (slot: string, type: 'string' | 'number' | 'boolean') =>
    type === 'number' ? `tonumber(${slot})` : type === 'boolean' ? `${slot} == '1'` : slot;
  return [
    '-- KEYS and ARGV by name (generated from the layout in TypeScript; the body never indexes them)',
    ...keys.map((name, i) => `local ${name} = KEYS[${i + 1}]`),
    ...argv.map(([name, type], i) => `local ${name} = ${read(`ARGV[${i + 1}]`, type)}`),
  ].join('\n');
}
