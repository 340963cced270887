import {
  UsageError,
  command,
  flag,
  helpText,
  int,
  parseCommandLine,
  runCommandLine,
  seconds,
  text,
} from './command-line';

const single = {
  name: 'demo',
  usage: 'npm run demo -- [options]',
  description: 'Does a thing.',
  command: command({
    options: {
      rate: int(50, 'arrivals per second', 1, 1000),
      duration: seconds(10, 'length of the run'),
      dryRun: flag('only say what it would do', '-n'),
    },
    build: (o) => ({ kind: 'run' as const, ...o }),
  }),
  footer: 'Start the shop first.',
};

const sub = {
  name: 'tool',
  usage: 'npm run tool -- <command> [options]',
  description: 'Two commands.',
  common: { verbose: flag('say more') },
  commands: {
    up: command({
      summary: 'start it',
      options: { verbose: flag('say more'), brokers: int(1, 'brokers', 1, 3) },
      build: (o) => ({ kind: 'up' as const, brokers: o.brokers, verbose: o.verbose }),
    }),
    kill: command({
      summary: 'kill one',
      args: '<name>',
      options: { verbose: flag('say more'), signal: text('<sig>', 'the signal') },
      build: (o, positional) => {
        if (positional.length !== 1) throw new UsageError('"kill" takes one name');
        return { kind: 'kill' as const, name: positional[0], signal: o.signal };
      },
    }),
  },
};

function capture() {
  let out = '';
  let err = '';
  return {
    io: { out: (t: string) => void (out += t), err: (t: string) => void (err += t) },
    out: () => out,
    err: () => err,
  };
}

describe('the command-line layer', () => {
  it('types the options, with their defaults, either spelling and short aliases', () => {
    expect(parseCommandLine(single, [])).toEqual({
      kind: 'run',
      rate: 50,
      duration: 10,
      dryRun: false,
    });
    expect(parseCommandLine(single, ['--rate=7', '--duration', '2m', '-n'])).toEqual({
      kind: 'run',
      rate: 7,
      duration: 120,
      dryRun: true,
    });
  });

  it('generates the help from the declaration', () => {
    expect(helpText(single)).toBe(
      [
        'Usage: npm run demo -- [options]',
        '',
        'Does a thing.',
        '',
        'Options:',
        '  --rate <n>         arrivals per second (default 50)',
        '  --duration <time>  length of the run (default 10s)',
        '  --dry-run, -n      only say what it would do',
        '  --help, -h         this text',
        '',
        'Start the shop first.',
        '',
      ].join('\n'),
    );
    const help = helpText(sub);
    expect(help).toContain('  up                    start it\n      --brokers <n>  brokers');
    expect(help).toContain('  kill <name>           kill one');
    expect(help).toContain('Options of every command:\n  --verbose  say more');
    expect(help).not.toContain('      --verbose');
  });

  it('answers --help, -h anywhere, and "help", with the help (exit 0)', () => {
    for (const argv of [['--help'], ['up', '-h'], ['help'], []]) {
      const c = capture();
      expect(runCommandLine(sub, argv, c.io)).toBe(0);
      expect(c.out()).toBe(helpText(sub));
      expect(c.err()).toBe('');
    }
  });

  it('prints a usage error in one line on stderr, exit 2', () => {
    const cases: [readonly string[], string][] = [
      [['--bogus'], 'demo: unknown option --bogus (see --help)\n'],
      [['--rate', 'many'], 'demo: --rate takes an integer, got many (see --help)\n'],
      [['--rate', '0'], 'demo: --rate must be in [1, 1000], got 0 (see --help)\n'],
      [
        ['--duration', 'soon'],
        'demo: not a duration: "soon" (e.g. 30, 30s, 2m, 500ms) (see --help)\n',
      ],
      [['--rate'], 'demo: --rate needs a value (see --help)\n'],
      [['--dry-run=yes'], 'demo: --dry-run takes no value (see --help)\n'],
      [['extra'], 'demo: unexpected argument: extra (see --help)\n'],
    ];
    for (const [argv, line] of cases) {
      const c = capture();
      expect(runCommandLine(single, argv, c.io)).toBe(2);
      expect(c.err()).toBe(line);
      expect(c.out()).toBe('');
    }
  });

  it('dispatches subcommands, options before or after the name', () => {
    expect(parseCommandLine(sub, ['up', '--brokers', '3'])).toEqual({
      kind: 'up',
      brokers: 3,
      verbose: false,
    });
    expect(parseCommandLine(sub, ['--signal', 'KILL', 'kill', 'x', '--verbose'])).toEqual({
      kind: 'kill',
      name: 'x',
      signal: 'KILL',
    });
  });

  it('names the mistakes of a subcommand line', () => {
    const error = (argv: readonly string[]): string => {
      try {
        parseCommandLine(sub, argv);
      } catch (err) {
        if (err instanceof UsageError) return err.message;
        throw err;
      }
      throw new Error('no usage error');
    };
    expect(error(['start'])).toBe('unknown command "start" (known: up, kill)');
    expect(error(['--verbose'])).toBe('which command? one of up, kill');
    expect(error(['--bogus'])).toBe('unknown option --bogus');
    expect(error(['up', '--signal', 'x'])).toBe('"up" does not take --signal');
    expect(error(['up', '--bogus'])).toBe('unknown option --bogus');
    expect(error(['up', 'extra'])).toBe('"up" takes no arguments, got: extra');
    expect(error(['kill'])).toBe('"kill" takes one name');
    expect(error(['kill', 'x', '--signal', ''])).toBe('--signal needs a value');
  });

  it('runs a default command when none is named, and passes a delegated one through', () => {
    const withDefault = { ...sub, defaultCommand: 'up' };
    expect(parseCommandLine(withDefault, ['--brokers', '2'])).toMatchObject({ kind: 'up' });
    const delegating = {
      ...sub,
      commands: {
        ...sub.commands,
        other: command({
          passThrough: true,
          options: {},
          build: (_o, argv) => ({ kind: 'other' as const, argv }),
        }),
      },
    };
    expect(parseCommandLine(delegating, ['other', '--anything', '--help'])).toEqual({
      kind: 'other',
      argv: ['--anything', '--help'],
    });
  });
});
