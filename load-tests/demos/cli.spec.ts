import { DEMO_NAMES, DEMOS, UsageError } from '../engine/infra';
import { DEMO_MODULES, USAGE, nested, parseDemoCommand } from './cli';

describe('parseDemoCommand', () => {
  it('runs a named demo against the local gateway by default', () => {
    expect(parseDemoCommand(['peak-shaving'])).toEqual({
      kind: 'run',
      name: 'peak-shaving',
      url: 'http://127.0.0.1:3000',
    });
  });

  it('takes --url, in either spelling', () => {
    expect(parseDemoCommand(['decoupling', '--url', 'http://localhost:3100'])).toMatchObject({
      url: 'http://localhost:3100',
    });
    expect(parseDemoCommand(['--url=http://127.0.0.1:3200/', 'idempotence'])).toMatchObject({
      name: 'idempotence',
      url: 'http://127.0.0.1:3200',
    });
  });

  it('answers --help, -h and help with the usage', () => {
    for (const argv of [['--help'], ['-h'], ['help'], ['peak-shaving', '--help']])
      expect(parseDemoCommand(argv)).toEqual({ kind: 'help' });
  });

  it('refuses an unknown demo, naming the seven', () => {
    expect(() => parseDemoCommand(['peakshaving'])).toThrow(UsageError);
    expect(() => parseDemoCommand(['peakshaving'])).toThrow(DEMO_NAMES.join(', '));
  });

  it('refuses no demo, two demos, an unknown option and a remote gateway', () => {
    expect(() => parseDemoCommand([])).toThrow(/which demo/);
    expect(() => parseDemoCommand(['decoupling', 'idempotence'])).toThrow(/one demo at a time/);
    expect(() => parseDemoCommand(['decoupling', '--rate', '5'])).toThrow(/unknown option --rate/);
    expect(() => parseDemoCommand(['decoupling', '--url', 'http://example.com'])).toThrow(
      /this machine/,
    );
  });
});

describe('the catalogue', () => {
  it('has a module for every demo, under its own name', () => {
    expect(Object.keys(DEMO_MODULES).sort()).toEqual([...DEMO_NAMES].sort());
    for (const [name, demo] of Object.entries(DEMO_MODULES)) expect(demo.name).toBe(name);
  });

  it('lists every demo in the usage with its seed section and the start of what to watch', () => {
    for (const d of DEMOS) {
      expect(USAGE).toContain(`  ${d.name} `);
      expect(USAGE).toContain(d.seedSection);
      expect(USAGE).toContain(d.watch.split(' ').slice(0, 3).join(' '));
    }
    expect(USAGE).toContain('npm run shop -- --detach');
  });
});

describe('nested', () => {
  it('puts the engine lines under a rule, blank lines and each line of a block too', () => {
    const lines: string[] = [];
    const log = nested((l) => lines.push(l));
    log('setup');
    log('');
    log('a\n\nb');
    expect(lines).toEqual(['  │ setup', '  │', '  │ a', '  │', '  │ b']);
  });
});
