/**
 * vegeta (github.com/tsenart/vegeta, MIT), the open-model HTTP load generator behind
 * `npm run load`. It is a Go program, so the project builds it itself, pinned, into
 * `.tools/bin/` (git-ignored) the first time it is needed:
 *
 *   GOBIN=<repo>/.tools/bin go install github.com/tsenart/vegeta/v12@v12.13.0
 *
 * Go fetches the module through its module proxy and checks it against the checksum database,
 * so the pin is exact. A binary already in `.tools/bin/` is reused when its embedded build
 * info (`go version -m`) names the pinned version, and rebuilt otherwise.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './infra-paths';
import { runCommand, which } from './process';
import type { Log } from './progress';

export const VEGETA_MODULE = 'github.com/tsenart/vegeta/v12';
export const VEGETA_VERSION = 'v12.13.0';

export function vegetaBinDir(root: string = repoRoot()): string {
  return path.join(root, '.tools', 'bin');
}

export function vegetaBinary(root: string = repoRoot()): string {
  return path.join(vegetaBinDir(root), 'vegeta');
}

/**
 * The module version recorded in a Go binary's build info, from `go version -m <binary>`:
 * the line `mod <module> <version> <sum>`. Null when the binary is not that module.
 */
export function moduleVersionOf(goVersionOutput: string, module: string): string | null {
  for (const line of goVersionOutput.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[0] === 'mod' && fields[1] === module && fields[2]) return fields[2];
  }
  return null;
}

/** What ensureVegeta needs from the machine (replaced in the unit tests). */
export interface VegetaHost {
  exists(file: string): boolean;
  which(cmd: string): string | null;
  run(
    cmd: string,
    args: readonly string[],
    opts: {
      env?: NodeJS.ProcessEnv;
      logFile?: string;
      timeoutMs?: number;
      label?: string;
      /** Print nothing (a quick look, not a step worth reporting). */
      quiet?: boolean;
    },
  ): Promise<{ stdout: string }>;
}

export function realVegetaHost(log: Log): VegetaHost {
  return {
    exists: (file) => fs.existsSync(file),
    which,
    run: (cmd, args, { quiet, ...opts }) =>
      runCommand(cmd, args, { log: quiet ? () => undefined : log, ...opts }),
  };
}

export class VegetaInstallError extends Error {}

/** Where Go usually is when it is not on PATH (the official tarball, Debian's golang-go). */
const GO_FALLBACKS = ['/usr/local/go/bin/go', '/usr/lib/go/bin/go'];

/** The go command: on PATH, or where Go is usually installed. */
export function findGo(host: Pick<VegetaHost, 'exists' | 'which'>): string | null {
  return host.which('go') ?? GO_FALLBACKS.find((candidate) => host.exists(candidate)) ?? null;
}

/**
 * The path of the pinned vegeta binary, installing it first when it is missing (or another
 * version). Installing prints progress (the command, then the elapsed time every few seconds).
 */
export async function ensureVegeta(
  log: Log,
  opts: { root?: string; host?: VegetaHost } = {},
): Promise<string> {
  const root = opts.root ?? repoRoot();
  const host = opts.host ?? realVegetaHost(log);
  const binary = vegetaBinary(root);
  const go = findGo(host);

  if (host.exists(binary)) {
    // Without Go the build info cannot be read; a binary the project installed is trusted.
    if (!go) return binary;
    const info = await host.run(go, ['version', '-m', binary], { quiet: true });
    const version = moduleVersionOf(info.stdout, VEGETA_MODULE);
    if (version === VEGETA_VERSION) return binary;
    log(`vegeta: ${binary} is ${version ?? 'not vegeta'}; installing ${VEGETA_VERSION}`);
  }

  if (!go)
    throw new VegetaInstallError(
      `vegeta ${VEGETA_VERSION} is not installed, and installing it needs Go (1.22 or newer), ` +
        'which is not on PATH.\n' +
        '  Install Go: https://go.dev/doc/install (or `apt-get install golang-go` on Debian 13+),\n' +
        `  then run this again; it runs: GOBIN=${vegetaBinDir(root)} go install ${VEGETA_MODULE}@${VEGETA_VERSION}\n` +
        `  Or put a vegeta ${VEGETA_VERSION} binary at ${binary} yourself.`,
    );

  const binDir = vegetaBinDir(root);
  fs.mkdirSync(binDir, { recursive: true });
  const logFile = path.join(root, '.tools', 'vegeta-install.log');
  log(
    `vegeta: installing ${VEGETA_MODULE}@${VEGETA_VERSION} into ${binDir} (once: Go downloads and builds it)`,
  );
  const started = Date.now();
  try {
    await host.run(go, ['install', `${VEGETA_MODULE}@${VEGETA_VERSION}`], {
      env: { ...process.env, GOBIN: binDir },
      logFile,
      timeoutMs: 10 * 60_000,
      label: `GOBIN=${binDir} go install ${VEGETA_MODULE}@${VEGETA_VERSION}`,
    });
  } catch (err) {
    throw new VegetaInstallError(
      `installing vegeta failed (Go needs network access to its module proxy, see GOPROXY): ` +
        `${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (!host.exists(binary))
    throw new VegetaInstallError(`go install finished, but ${binary} is not there; see ${logFile}`);
  log(`vegeta: installed in ${((Date.now() - started) / 1000).toFixed(1)} s: ${binary}`);
  return binary;
}
