import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ensurePromtool,
  PROMTOOL_PACKAGE,
  type PromtoolHost,
  PromtoolInstallError,
  prometheusModuleVersion,
  promtoolBinary,
  promtoolModuleDir,
  promtoolVersion,
  requiredVersion,
} from './promtool';

const GO_MOD = `module seckill/infra/prometheus/tools

go 1.24.0

tool github.com/prometheus/prometheus/cmd/promtool

require (
\tgithub.com/prometheus/common v0.65.0 // indirect
\tgithub.com/prometheus/prometheus v0.305.0 // indirect
)
`;

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'promtool-spec-'));
  fs.mkdirSync(promtoolModuleDir(root), { recursive: true });
  fs.writeFileSync(path.join(promtoolModuleDir(root), 'go.mod'), GO_MOD);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

type Call = { cmd: string; args: readonly string[] };

/** A machine with or without Go, whose `go build` writes the -o file (unless `fail`). */
function host(opts: { go: boolean; fail?: boolean }): { host: PromtoolHost; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    host: {
      // Only files of the test's root: not the machine's own Go in /usr/local/go.
      exists: (file) => file.startsWith(root) && fs.existsSync(file),
      which: (cmd) => (cmd === 'go' && opts.go ? '/usr/bin/go' : null),
      run: (cmd, args) => {
        calls.push({ cmd, args });
        if (opts.fail) return Promise.reject(new Error('go: module lookup disabled'));
        fs.writeFileSync(args[args.indexOf('-o') + 1], 'binary');
        return Promise.resolve({ stdout: '' });
      },
    },
  };
}

const quiet = (): void => undefined;

describe('versions', () => {
  it('reads the Prometheus module version a go.mod requires', () => {
    expect(requiredVersion(GO_MOD)).toBe('v0.305.0');
    expect(requiredVersion('require github.com/prometheus/prometheus v0.53.4\n')).toBe('v0.53.4');
    expect(requiredVersion(GO_MOD, 'github.com/other/thing')).toBeNull();
    expect(promtoolVersion(root)).toBe('v0.305.0');
  });

  it('maps a Prometheus release to its Go module version', () => {
    expect(prometheusModuleVersion('v3.5.0')).toBe('v0.305.0');
    expect(prometheusModuleVersion('v3.10.2')).toBe('v0.310.2');
    expect(prometheusModuleVersion('v2.53.4')).toBe('v0.53.4');
    expect(prometheusModuleVersion('latest')).toBeNull();
  });
});

describe('ensurePromtool', () => {
  it('builds it from the tools module into .cache/promtool-<version> when missing', async () => {
    const lines: string[] = [];
    const h = host({ go: true });
    const binary = await ensurePromtool((l) => lines.push(l), { root, host: h.host });
    expect(binary).toBe(path.join(root, '.cache', 'promtool-v0.305.0', 'promtool'));
    expect(fs.readFileSync(binary, 'utf8')).toBe('binary');
    expect(h.calls).toEqual([
      {
        cmd: '/usr/bin/go',
        args: ['-C', promtoolModuleDir(root), 'build', '-o', `${binary}.partial`, PROMTOOL_PACKAGE],
      },
    ]);
    expect(lines.join('\n')).toMatch(/building .*promtool@v0\.305\.0/);
    expect(lines.join('\n')).toMatch(/built in/);
  });

  it('reuses a binary built for the pinned version', async () => {
    const binary = promtoolBinary(root, 'v0.305.0');
    fs.mkdirSync(path.dirname(binary), { recursive: true });
    fs.writeFileSync(binary, 'binary');
    const h = host({ go: true });
    await expect(ensurePromtool(quiet, { root, host: h.host })).resolves.toBe(binary);
    expect(h.calls).toEqual([]);
  });

  it('leaves no binary behind when the build fails, and says why', async () => {
    const h = host({ go: true, fail: true });
    const err = await ensurePromtool(quiet, { root, host: h.host }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PromtoolInstallError);
    expect((err as Error).message).toMatch(/module proxy.*module lookup disabled/s);
    expect(fs.existsSync(promtoolBinary(root, 'v0.305.0'))).toBe(false);
  });

  it('says what to do when Go is missing', async () => {
    const h = host({ go: false });
    const err = await ensurePromtool(quiet, { root, host: h.host }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PromtoolInstallError);
    expect((err as Error).message).toMatch(/needs Go/);
    expect((err as Error).message).toContain(`build -o ${promtoolBinary(root, 'v0.305.0')}`);
  });
});
