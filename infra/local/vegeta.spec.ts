import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  VEGETA_MODULE,
  VEGETA_VERSION,
  type VegetaHost,
  VegetaInstallError,
  ensureVegeta,
  moduleVersionOf,
  vegetaBinary,
} from './vegeta';

const GO_VERSION_M = `/x/.tools/bin/vegeta: go1.26.8
\tpath\tgithub.com/tsenart/vegeta/v12
\tmod\tgithub.com/tsenart/vegeta/v12\tv12.13.0\th1:J/UiNS3f69MkL0tsRLVUUV8uXXQZxdRUchtS+GYiSFc=
\tdep\tgithub.com/beorn7/perks\tv1.0.1\th1:VlbKKnNfV8bJzeqoa4cOKqO6bYr3WgKZxO8Z16+hsOM=
`;

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'vegeta-spec-'));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

type Call = { cmd: string; args: readonly string[]; env?: NodeJS.ProcessEnv };

function host(opts: { go: boolean; installed: boolean; versionOutput?: string }): {
  host: VegetaHost;
  calls: Call[];
} {
  const calls: Call[] = [];
  let installed = opts.installed;
  return {
    calls,
    host: {
      exists: (file) => (file === vegetaBinary(root) ? installed : false),
      which: (cmd) => (cmd === 'go' && opts.go ? '/usr/bin/go' : null),
      run: (cmd, args, o) => {
        calls.push({ cmd, args, env: o.env });
        if (args[0] === 'install') installed = true;
        return Promise.resolve({ stdout: args[0] === 'version' ? (opts.versionOutput ?? '') : '' });
      },
    },
  };
}

const quiet = (): void => undefined;

describe('moduleVersionOf', () => {
  it('reads the module version from go version -m', () => {
    expect(moduleVersionOf(GO_VERSION_M, VEGETA_MODULE)).toBe('v12.13.0');
    expect(moduleVersionOf(GO_VERSION_M, 'github.com/other/thing')).toBeNull();
    expect(moduleVersionOf('', VEGETA_MODULE)).toBeNull();
  });
});

describe('ensureVegeta', () => {
  it('reuses the pinned binary', async () => {
    const h = host({ go: true, installed: true, versionOutput: GO_VERSION_M });
    await expect(ensureVegeta(quiet, { root, host: h.host })).resolves.toBe(vegetaBinary(root));
    expect(h.calls.map((c) => c.args[0])).toEqual(['version']);
  });

  it('installs it into <root>/.tools/bin with go install …@v12.13.0 when missing', async () => {
    const lines: string[] = [];
    const h = host({ go: true, installed: false });
    await ensureVegeta((l) => lines.push(l), { root, host: h.host });
    expect(h.calls).toHaveLength(1);
    expect(h.calls[0].cmd).toBe('/usr/bin/go');
    expect(h.calls[0].args).toEqual(['install', `${VEGETA_MODULE}@${VEGETA_VERSION}`]);
    expect(h.calls[0].env?.GOBIN).toBe(path.join(root, '.tools', 'bin'));
    expect(lines.join('\n')).toMatch(/installing .*v12\.13\.0/);
    expect(lines.join('\n')).toMatch(/installed in/);
  });

  it('replaces another version', async () => {
    const h = host({
      go: true,
      installed: true,
      versionOutput: GO_VERSION_M.replace('v12.13.0', 'v12.11.0'),
    });
    await ensureVegeta(quiet, { root, host: h.host });
    expect(h.calls.map((c) => c.args[0])).toEqual(['version', 'install']);
  });

  it('says what to do when Go is missing', async () => {
    const h = host({ go: false, installed: false });
    const err = await ensureVegeta(quiet, { root, host: h.host }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VegetaInstallError);
    expect((err as Error).message).toMatch(/needs Go/);
    expect((err as Error).message).toContain('go install github.com/tsenart/vegeta/v12@v12.13.0');
  });

  it('trusts an installed binary when Go is not there to read its build info', async () => {
    const h = host({ go: false, installed: true });
    await expect(ensureVegeta(quiet, { root, host: h.host })).resolves.toBe(vegetaBinary(root));
  });
});
