/**
 * The one command-line layer of every `npm run` command. Pure, but for `runCommandLine`, which
 * writes the help or the one-line usage error.
 *
 * A command declares its options once (`int`, `seconds`, `flag`, `text`, … below): their
 * `--kebab-case` names come from the camelCase keys, their values are parsed and typed, and the
 * `--help` text is generated from them. A command line is either one command (`command`) or
 * subcommands (`commands`, e.g. `npm run infra -- up --brokers 3`). Every mistake is a
 * `UsageError`: `runCommandLine` prints `<name>: <message> (see --help)` on stderr, exit code 2.
 */

/** A mistake in the command line: one line on stderr, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

// ---------------------------------------------------------------------------------------------
// Values

/** "20", "20s", "1.5s", "2m", "500ms" → seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new UsageError(`not a duration: "${text}" (e.g. 30, 30s, 2m, 500ms)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const sec = unit === 'ms' ? n / 1000 : unit === 'm' ? n * 60 : n;
  if (!(sec > 0)) throw new UsageError(`duration must be positive, got "${text}"`);
  return sec;
}

export function parseIntOption(
  name: string,
  text: string | undefined,
  min: number,
  max: number,
): number {
  if (text === undefined || !/^\d+$/.test(text))
    throw new UsageError(`${name} takes an integer, got ${text ?? 'nothing'}`);
  const n = Number(text);
  if (n < min || n > max) throw new UsageError(`${name} must be in [${min}, ${max}], got ${n}`);
  return n;
}

export function parseList(
  name: string,
  text: string | undefined,
  min: number,
  max: number,
): number[] {
  if (!text) throw new UsageError(`${name} takes a comma-separated list of integers`);
  return text.split(',').map((part) => parseIntOption(name, part.trim(), min, max));
}

/** An http:// URL on this machine (load only ever targets loopback); its origin. */
export function parseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`not a URL: ${text}`);
  }
  if (url.protocol !== 'http:')
    throw new UsageError(`only http:// URLs are supported, got ${text}`);
  if (!isLoopback(url.hostname))
    throw new UsageError(
      `the target must be on this machine (127.0.0.0/8, localhost, [::1]), got ${url.hostname}`,
    );
  return url.origin;
}

export function isLoopback(hostname: string): boolean {
  if (hostname === 'localhost' || hostname === '[::1]' || hostname === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** "a, b,c" → ["a", "b", "c"]; at least one. */
export function parseNames(name: string, text: string): string[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new UsageError(`${name} takes a comma-separated list`);
  return names;
}

// ---------------------------------------------------------------------------------------------
// Options

export interface OptionSpec<T> {
  readonly kind:
    'int' | 'optionalInt' | 'seconds' | 'list' | 'flag' | 'url' | 'choice' | 'text' | 'custom';
  readonly default: T;
  readonly help: string;
  readonly min: number;
  readonly max: number;
  /** The accepted values of a `choice`. */
  readonly choices?: readonly string[];
  /** A one-letter alias, e.g. "-d". */
  readonly short?: string;
  /** The value's name in the help, e.g. "<n>" (a `text` or `custom` option). */
  readonly placeholder?: string;
  /** The default as the help shows it; '' shows none. */
  readonly shownDefault?: string;
  /** Parses the value of a `text` or `custom` option (`name` is its --name). */
  readonly parse?: (text: string, name: string) => T;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec<unknown>>>;
export type OptionValues<S extends OptionSpecs> = {
  readonly [K in keyof S]: S[K] extends OptionSpec<infer T> ? T : never;
};

const base = { min: 0, max: 0 };

export const int = (def: number, help: string, min = 1, max = 10_000_000): OptionSpec<number> => ({
  kind: 'int',
  default: def,
  help,
  min,
  max,
});
export const optionalInt = (
  help: string,
  min = 1,
  max = 10_000_000,
): OptionSpec<number | null> => ({ kind: 'optionalInt', default: null, help, min, max });
/** A duration (10, 10s, 1.5s, 2m, 500ms) in seconds. */
export const seconds = (def: number, help: string): OptionSpec<number> => ({
  kind: 'seconds',
  default: def,
  help,
  min: 0,
  max: 86_400,
});
export const list = (
  def: readonly number[],
  help: string,
  min = 1,
  max = 10_000_000,
): OptionSpec<readonly number[]> => ({ kind: 'list', default: def, help, min, max });
export const flag = (help: string, short?: string): OptionSpec<boolean> => ({
  ...base,
  kind: 'flag',
  default: false,
  help,
  short,
});
/** An http:// URL on this machine (its origin). */
export const url = (def: string, help: string): OptionSpec<string> => ({
  ...base,
  kind: 'url',
  default: def,
  help,
});
/** One of a few words, e.g. `--flow sync`. */
export const choice = <T extends string>(
  choices: readonly T[],
  def: T,
  help: string,
): OptionSpec<T> => ({ ...base, kind: 'choice', default: def, help, choices });
/** Any non-empty string; null when not given. */
export const text = (
  placeholder: string,
  help: string,
  more: { readonly short?: string } = {},
): OptionSpec<string | null> => ({
  ...base,
  kind: 'text',
  default: null,
  help,
  placeholder,
  short: more.short,
});
/** A value of its own kind: `parse` turns the text into it (throw a UsageError if it cannot). */
export const custom = <T>(
  placeholder: string,
  def: T,
  help: string,
  parse: (text: string, name: string) => T,
  more: { readonly short?: string; readonly shownDefault?: string } = {},
): OptionSpec<T> => ({ ...base, kind: 'custom', default: def, help, placeholder, parse, ...more });

/** `rampFrom` → `--ramp-from`. */
export function cliName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function formatDefault(spec: OptionSpec<unknown>): string {
  if (spec.shownDefault !== undefined)
    return spec.shownDefault && ` (default ${spec.shownDefault})`;
  const d = spec.default;
  if (spec.kind === 'flag' || d === null || d === undefined) return '';
  if (spec.kind === 'seconds') return ` (default ${String(d)}s)`;
  if (Array.isArray(d)) return ` (default ${d.join(',')})`;
  return ` (default ${String(d)})`;
}

function placeholder(spec: OptionSpec<unknown>): string {
  if (spec.placeholder !== undefined) return ` ${spec.placeholder}`;
  switch (spec.kind) {
    case 'flag':
      return '';
    case 'seconds':
      return ' <time>';
    case 'list':
      return ' <a,b,…>';
    case 'url':
      return ' <url>';
    case 'choice':
      return ` <${(spec.choices ?? []).join('|')}>`;
    default:
      return ' <n>';
  }
}

/** One help line per option: `  --name <value>  help (default …)`, aligned. */
export function usageLines(specs: OptionSpecs, indent = '  ', minWidth = 0): string[] {
  const rows = Object.entries(specs).map(([key, spec]) => [
    `${cliName(key)}${spec.short ? `, ${spec.short}` : ''}${placeholder(spec)}`,
    `${spec.help}${formatDefault(spec)}`,
  ]);
  if (rows.length === 0) return [];
  const width = Math.max(minWidth, ...rows.map(([name]) => name.length));
  const pad = ' '.repeat(indent.length + width + 2);
  return rows.map(([name, help]) =>
    wrapWords(help, HELP_WIDTH - pad.length)
      .map((line, i) => (i === 0 ? `${indent}${name.padEnd(width)}  ${line}` : `${pad}${line}`))
      .join('\n')
      .trimEnd(),
  );
}

const HELP_WIDTH = 100;

/** Words into lines of at most `width` characters (a longer word gets a line of its own). */
function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > Math.max(width, 30)) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

function parseValue(spec: OptionSpec<unknown>, name: string, value: string): unknown {
  switch (spec.kind) {
    case 'int':
    case 'optionalInt':
      return parseIntOption(name, value, spec.min, spec.max);
    case 'seconds':
      return parseDuration(value);
    case 'list':
      return parseList(name, value, spec.min, spec.max);
    case 'url':
      return parseUrl(value);
    case 'choice':
      if (!(spec.choices ?? []).includes(value))
        throw new UsageError(
          `${name} must be one of ${(spec.choices ?? []).join(', ')}, not "${value}"`,
        );
      return value;
    case 'text':
      if (value.trim() === '') throw new UsageError(`${name} needs a value`);
      return value;
    case 'custom':
      return spec.parse ? spec.parse(value, name) : value;
    case 'flag':
      return true;
  }
}

export interface Parsed<S extends OptionSpecs> {
  readonly options: OptionValues<S>;
  readonly positional: readonly string[];
  /** The keys of the options the command line gave (to tell a default from a choice). */
  readonly given: ReadonlySet<keyof S & string>;
}

interface Token {
  readonly key: string | null;
  readonly name: string;
  readonly value?: string;
}

/** Splits argv into options (`--name value`, `--name=value`, `-x value`, flags) and positionals. */
function tokenize(
  argv: readonly string[],
  specs: OptionSpecs,
  unknown: (name: string) => never,
): { tokens: Token[]; positional: string[] } {
  const byName = new Map<string, string>();
  for (const [key, spec] of Object.entries(specs)) {
    byName.set(cliName(key), key);
    if (spec.short) byName.set(spec.short, key);
  }
  const tokens: Token[] = [];
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    const inline = eq > 0 ? a.slice(eq + 1) : undefined;
    const key = byName.get(name);
    if (key === undefined) unknown(name);
    if (specs[key].kind === 'flag') {
      if (inline !== undefined) throw new UsageError(`${name} takes no value`);
      tokens.push({ key, name });
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--')))
      throw new UsageError(`${name} needs a value`);
    tokens.push({ key, name, value });
  }
  return { tokens, positional };
}

/**
 * Parses the options of `specs` (anywhere in argv) and keeps the rest as positionals; an
 * unknown option is a UsageError (`unknown` words it).
 */
export function parseOptions<S extends OptionSpecs>(
  specs: S,
  argv: readonly string[],
  unknown: (name: string) => never = (name) => {
    throw new UsageError(`unknown option ${name}`);
  },
): Parsed<S> {
  const { tokens, positional } = tokenize(argv, specs, unknown);
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) out[key] = spec.default;
  const given = new Set<string>();
  for (const t of tokens) {
    const key = t.key as string;
    out[key] = parseValue(specs[key], t.name, t.value ?? '');
    given.add(key);
  }
  return { options: out as OptionValues<S>, positional, given: given as Set<keyof S & string> };
}

/** The options of `specs`, no positional. */
export function parseOptionValues<S extends OptionSpecs>(
  specs: S,
  argv: readonly string[],
): OptionValues<S> {
  const { options, positional } = parseOptions(specs, argv);
  if (positional.length) throw new UsageError(`unexpected argument: ${positional.join(' ')}`);
  return options;
}

// ---------------------------------------------------------------------------------------------
// Commands

/** One command: its options, its positional arguments, and what to make of them. */
export interface CommandSpec<S extends OptionSpecs = OptionSpecs, R = unknown> {
  /** One line (or a few) for the help. */
  readonly summary?: string;
  /** The positionals as the help shows them, e.g. "<service...>"; none when absent. */
  readonly args?: string;
  readonly options: S;
  /** Help sections of options by key, e.g. [{ title: 'Options of every run', keys: [...] }]. */
  readonly sections?: readonly { readonly title: string; readonly keys: readonly string[] }[];
  /**
   * Passes the arguments after the subcommand as they are (positional) to `build`, to a command
   * line of its own (with its own --help): `options` is then empty.
   */
  readonly passThrough?: boolean;
  readonly build: (
    options: OptionValues<S>,
    positional: readonly string[],
    given: ReadonlySet<keyof S & string>,
  ) => R;
}

/** Declares a command (infers its options' types for `build`). */
export function command<S extends OptionSpecs, R>(spec: CommandSpec<S, R>): CommandSpec<S, R> {
  return spec;
}

interface CommandLineBase {
  /** The prefix of its messages, e.g. "infra" or "bench drain". */
  readonly name: string;
  /** The synopsis line(s) after "Usage: ", e.g. "npm run infra -- <command> [options]". */
  readonly usage: string | readonly string[];
  /** What it does: the paragraph(s) after the usage line. */
  readonly description: string;
  /** The rest of the help, after the options. */
  readonly footer?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCommand = CommandSpec<any, unknown>;

export interface SingleCommandLine<C extends AnyCommand> extends CommandLineBase {
  readonly command: C;
  /** No argument at all shows the help. */
  readonly helpWhenEmpty?: boolean;
}

export interface SubcommandLine<
  M extends Readonly<Record<string, AnyCommand>>,
> extends CommandLineBase {
  readonly commands: M;
  /** What "commands" are called in messages and help: "command", "scenario", "benchmark"… */
  readonly noun?: string;
  /** The command when none is named; without one, no argument at all shows the help. */
  readonly defaultCommand?: string;
  /** Options every subcommand takes (listed once in the help). */
  readonly common?: OptionSpecs;
  /** The title of the list of commands in the help (default "Commands:"). */
  readonly commandsTitle?: string;
}

export type CommandLine =
  SingleCommandLine<AnyCommand> | SubcommandLine<Record<string, AnyCommand>>;

export type HelpRequest = { readonly kind: 'help' };
const HELP: HelpRequest = { kind: 'help' };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Built<C> = C extends { readonly build: (...args: any[]) => infer R } ? R : never;

function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

function parseCommand<C extends AnyCommand>(
  spec: C,
  argv: readonly string[],
  unknown: (name: string) => never,
  noArgs: (rest: readonly string[]) => string,
  common: OptionSpecs = {},
): Built<C> {
  if (spec.passThrough) return spec.build({}, argv, new Set()) as Built<C>;
  const { options, positional, given } = parseOptions(
    { ...common, ...spec.options },
    argv,
    unknown,
  );
  if (spec.args === undefined && positional.length) throw new UsageError(noArgs(positional));
  return spec.build(options, positional, given) as Built<C>;
}

/** The command line's command, or a help request. Throws a UsageError on a mistake. */
export function parseCommandLine<C extends AnyCommand>(
  cli: SingleCommandLine<C>,
  argv: readonly string[],
): Built<C> | HelpRequest;
export function parseCommandLine<M extends Readonly<Record<string, AnyCommand>>>(
  cli: SubcommandLine<M>,
  argv: readonly string[],
): Built<M[keyof M]> | HelpRequest;
export function parseCommandLine(cli: CommandLine, argv: readonly string[]): unknown {
  if ('command' in cli) {
    if (cli.command.passThrough) return cli.command.build({}, argv, new Set());
    if (wantsHelp(argv) || (cli.helpWhenEmpty && argv.length === 0)) return HELP;
    if (cli.command.args !== undefined && argv[0] === 'help') return HELP;
    return parseCommand(
      cli.command,
      argv,
      (name) => {
        throw new UsageError(`unknown option ${name}`);
      },
      (rest) => `unexpected argument: ${rest.join(' ')}`,
    );
  }
  const names = Object.keys(cli.commands);
  const noun = cli.noun ?? 'command';
  // The subcommand is the first positional; options may come before it.
  const index = subcommandIndex(cli, argv);
  const named = index >= 0 ? argv[index] : undefined;
  const passThrough = named !== undefined && cli.commands[named]?.passThrough === true;
  if (!passThrough && wantsHelp(argv)) return HELP;
  if (named === 'help' && !cli.commands.help) return HELP;
  const known = new Set(
    [cli.common ?? {}, ...Object.values(cli.commands).map((c) => c.options as OptionSpecs)].flatMap(
      (specs) =>
        Object.entries(specs).flatMap(([k, s]) => [cliName(k), ...(s.short ? [s.short] : [])]),
    ),
  );
  if (named === undefined && cli.defaultCommand === undefined) {
    if (argv.length === 0) return HELP;
    const stray = argv.find((a) => a.startsWith('-') && !known.has(a.split('=')[0]));
    if (stray !== undefined) throw new UsageError(`unknown option ${stray.split('=')[0]}`);
    throw new UsageError(`which ${noun}? one of ${names.join(', ')}`);
  }
  const name = named ?? (cli.defaultCommand as string);
  const spec = cli.commands[name];
  if (!spec) throw new UsageError(`unknown ${noun} "${name}" (known: ${names.join(', ')})`);
  const rest = index >= 0 ? [...argv.slice(0, index), ...argv.slice(index + 1)] : argv;
  if (spec.passThrough) return spec.build({}, argv.slice(index + 1), new Set());
  return parseCommand(
    spec,
    rest,
    (option) => {
      throw new UsageError(
        known.has(option) ? `"${name}" does not take ${option}` : `unknown option ${option}`,
      );
    },
    (extra) => `"${name}" takes no arguments, got: ${extra.join(' ')}`,
    cli.common,
  );
}

/** Where the subcommand is: the first argument that is neither an option nor an option's value. */
function subcommandIndex(cli: SubcommandLine<Record<string, AnyCommand>>, argv: readonly string[]) {
  const valued = new Set<string>();
  for (const specs of [cli.common ?? {}, ...Object.values(cli.commands).map((c) => c.options)])
    for (const [key, spec] of Object.entries(specs as OptionSpecs))
      if (spec.kind !== 'flag') {
        valued.add(cliName(key));
        if (spec.short) valued.add(spec.short);
      }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return i + 1 < argv.length ? i + 1 : -1;
    if (!a.startsWith('-') || a === '-') return i;
    if (!a.includes('=') && valued.has(a)) i++;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Help

const indentBy = (text: string, by: string): string =>
  text
    .split('\n')
    .map((l) => (l ? `${by}${l}` : l))
    .join('\n');

function optionBlock(
  spec: AnyCommand,
  indent: string,
  defaultTitle: string | null,
  exclude: ReadonlySet<string> = new Set(),
): string[] {
  const options = spec.options as OptionSpecs;
  const sections = spec.sections ?? [];
  const sectioned = new Set(sections.flatMap((s) => s.keys));
  const pick = (keys: readonly string[]): OptionSpecs =>
    Object.fromEntries(keys.filter((k) => !exclude.has(k)).map((k) => [k, options[k]]));
  const out: string[] = [];
  const plain = pick(Object.keys(options).filter((k) => !sectioned.has(k)));
  if (Object.keys(plain).length) {
    if (defaultTitle !== null) out.push('', defaultTitle);
    out.push(...usageLines(plain, indent));
  }
  for (const s of sections) {
    const lines = usageLines(pick(s.keys), indent);
    if (lines.length) out.push('', `${s.title}:`, ...lines);
  }
  return out;
}

/** The --help text, made from the command line's declaration. */
export function helpText(cli: CommandLine): string {
  const usage = typeof cli.usage === 'string' ? [cli.usage] : cli.usage;
  const out = [
    `Usage: ${usage[0]}`,
    ...usage.slice(1).map((u) => `       ${u}`),
    '',
    cli.description.trimEnd(),
  ];
  if ('command' in cli) {
    const withHelp = { ...cli.command, options: { ...cli.command.options, help: HELP_FLAG } };
    out.push(...optionBlock(withHelp, '  ', 'Options:'));
  } else {
    const common = new Set(Object.keys(cli.common ?? {}));
    out.push('', cli.commandsTitle ?? `${cap(cli.noun ?? 'command')}s:`);
    for (const [name, spec] of Object.entries(cli.commands)) {
      const head = `  ${name}${spec.args ? ` ${spec.args}` : ''}${
        name === cli.defaultCommand ? ' (default)' : ''
      }`;
      const summary = spec.summary?.trimEnd() ?? '';
      if (head.length <= 22 && summary) {
        const [first, ...more] = summary.split('\n');
        out.push(`${head.padEnd(24)}${first}`, ...more.map((l) => `${' '.repeat(24)}${l}`));
      } else {
        out.push(head);
        if (summary) out.push(indentBy(summary, ' '.repeat(24)));
      }
      out.push(...optionBlock(spec, '      ', null, common));
    }
    out.push('  help, --help, -h      this text');
    if (cli.common && Object.keys(cli.common).length) {
      out.push('', `Options of every ${cli.noun ?? 'command'}:`, ...usageLines(cli.common));
    }
  }
  if (cli.footer) out.push('', cli.footer.trimEnd());
  return `${out.join('\n')}\n`;
}

const HELP_FLAG = flag('this text', '-h');

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

// ---------------------------------------------------------------------------------------------
// The front door

export interface CommandLineIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const processIo: CommandLineIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

/** The one line a usage error prints. */
export function usageErrorLine(name: string, message: string): string {
  return `${name}: ${message} (see --help)\n`;
}

/**
 * The front door of every command: parses argv; prints the help (exit 0) or a usage error in
 * one line on stderr (exit 2). Returns the command to run, or the exit code when there is none.
 */
export function runCommandLine<C extends AnyCommand>(
  cli: SingleCommandLine<C>,
  argv: readonly string[],
  io?: CommandLineIo,
): Built<C> | number;
export function runCommandLine<M extends Readonly<Record<string, AnyCommand>>>(
  cli: SubcommandLine<M>,
  argv: readonly string[],
  io?: CommandLineIo,
): Built<M[keyof M]> | number;
export function runCommandLine(
  cli: CommandLine,
  argv: readonly string[],
  io: CommandLineIo = processIo,
): unknown {
  let parsed: unknown;
  try {
    parsed = parseCommandLine(cli as SingleCommandLine<AnyCommand>, argv);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(usageErrorLine(cli.name, err.message));
      return 2;
    }
    throw err;
  }
  if (parsed === HELP) {
    io.out(helpText(cli));
    return 0;
  }
  return parsed;
}

/** Runs `main` as the process: its resolved number is the exit code; a throw prints one line. */
export function runMain(
  name: string,
  main: (argv: readonly string[]) => Promise<number> | number,
  onError?: (err: unknown) => Promise<void> | void,
): void {
  Promise.resolve()
    .then(() => main(process.argv.slice(2)))
    .then(
      (code) => process.exit(code),
      async (err: unknown) => {
        if (err instanceof UsageError) {
          process.stderr.write(usageErrorLine(name, err.message));
          process.exit(2);
        }
        process.stderr.write(
          `\n${name}: error: ${err instanceof Error ? err.message : String(err)}\n`,
        );
        await onError?.(err);
        process.exit(1);
      },
    );
}

/** Progress lines to stdout. */
export function lineLogger(): (line: string) => void {
  return (line) => {
    process.stdout.write(`${line}\n`);
  };
}
