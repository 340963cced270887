/**
 * promtool (github.com/prometheus/prometheus, Apache-2.0), Prometheus's own checker, behind
 * infra/prometheus/rules.int-spec.ts: `promtool check config`, `check rules` and `test rules`.
 * It is a Go program, so the project builds it itself, pinned, into `.cache/` (git-ignored) the
 * first time it is needed, from the small module infra/prometheus/tools:
 *
 *   go -C infra/prometheus/tools build -o .cache/promtool-<version>/promtool \
 *     github.com/prometheus/prometheus/cmd/promtool
 *
 * That module's go.mod names promtool as a tool (`go get -tool ...@<version>`) and, with go.sum,
 * pins it and every dependency; Go fetches them through its module proxy. The version is the
 * one of the compose file's Prometheus image (prom/prometheus:v3.5.0 is the Go module's v0.305.0;
 * infra/compose/compose.spec.ts checks they agree), so the checks judge the rules as the running
 * server reads them. A binary already built for that version is reused.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './infra-paths';
import type { Log } from './progress';
import { findGo, realVegetaHost, type VegetaHost } from './vegeta';

export const PROMETHEUS_MODULE = 'github.com/prometheus/prometheus';
export const PROMTOOL_PACKAGE = `${PROMETHEUS_MODULE}/cmd/promtool`;

/** What ensurePromtool needs from the machine: the same as vegeta's Go install. */
export type PromtoolHost = VegetaHost;
export const realPromtoolHost: (log: Log) => PromtoolHost = realVegetaHost;

export class PromtoolInstallError extends Error {}

/** The Go module that pins promtool. */
export function promtoolModuleDir(root: string = repoRoot()): string {
  return path.join(root, 'infra', 'prometheus', 'tools');
}

/** The version of the Prometheus module that a go.mod requires, or null. */
export function requiredVersion(goMod: string, module: string = PROMETHEUS_MODULE): string | null {
  for (const line of goMod.split('\n')) {
    // `require x v1` and, inside `require ( ... )`, `x v1 // indirect`.
    const fields = line
      .replace(/\/\/.*/, '')
      .trim()
      .split(/\s+/);
    const at = fields[0] === 'require' ? 1 : 0;
    if (fields[at] === module && fields[at + 1]) return fields[at + 1];
  }
  return null;
}

/** The promtool version the project pins: the Prometheus module version in tools/go.mod. */
export function promtoolVersion(root: string = repoRoot()): string {
  const goModFile = path.join(promtoolModuleDir(root), 'go.mod');
  const version = requiredVersion(fs.readFileSync(goModFile, 'utf8'));
  if (!version)
    throw new PromtoolInstallError(`${goModFile} does not require ${PROMETHEUS_MODULE}`);
  return version;
}

/**
 * The Go module version of a Prometheus release: Prometheus 3.x is published to the module proxy
 * as v0.3xx (v3.5.0 is v0.305.0), 2.x as v0.xx (v2.53.4 is v0.53.4), because its major versions
 * never became Go major versions. Null for a tag that is not vMAJOR.MINOR.PATCH.
 */
export function prometheusModuleVersion(releaseTag: string): string | null {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(releaseTag);
  if (!m) return null;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (major === 2) return `v0.${minor}.${patch}`;
  if (major >= 3) return `v0.${major * 100 + minor}.${patch}`;
  return null;
}

export function promtoolBinary(root: string, version: string): string {
  return path.join(root, '.cache', `promtool-${version}`, 'promtool');
}

/**
 * The path of the pinned promtool, building it first when it is not there yet. Building prints
 * progress (the command, then the elapsed time every few seconds); the first build downloads
 * and compiles Prometheus's dependencies, a few minutes on a 2-core machine.
 */
export async function ensurePromtool(
  log: Log,
  opts: { root?: string; host?: PromtoolHost } = {},
): Promise<string> {
  const root = opts.root ?? repoRoot();
  const host = opts.host ?? realPromtoolHost(log);
  const version = promtoolVersion(root);
  const binary = promtoolBinary(root, version);
  // The directory names the version, and the binary appears there only once complete (below).
  if (host.exists(binary)) return binary;

  const moduleDir = promtoolModuleDir(root);
  const go = findGo(host);
  if (!go)
    throw new PromtoolInstallError(
      `promtool ${version} is not built yet, and building it needs Go (1.24 or newer), ` +
        'which is not on PATH.\n' +
        '  Install Go: https://go.dev/doc/install (or `apt-get install golang-go` on Debian 13+),\n' +
        `  then run this again; it runs: go -C ${moduleDir} build -o ${binary} ${PROMTOOL_PACKAGE}\n` +
        `  Or put a promtool ${version} binary at ${binary} yourself.`,
    );

  const dir = path.dirname(binary);
  fs.mkdirSync(dir, { recursive: true });
  // Built next to its final name and renamed: an interrupted build leaves no binary to reuse.
  const partial = `${binary}.partial`;
  const logFile = path.join(dir, 'build.log');
  const args = ['-C', moduleDir, 'build', '-o', partial, PROMTOOL_PACKAGE];
  log(
    `promtool: building ${PROMTOOL_PACKAGE}@${version} into ${dir} ` +
      '(once: Go downloads and compiles Prometheus, a few minutes)',
  );
  const started = Date.now();
  try {
    await host.run(go, args, {
      logFile,
      timeoutMs: 20 * 60_000,
      label: `go ${args.join(' ')}`,
    });
  } catch (err) {
    throw new PromtoolInstallError(
      `building promtool failed (Go needs network access to its module proxy, see GOPROXY): ` +
        `${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (!host.exists(partial))
    throw new PromtoolInstallError(
      `go build finished, but ${partial} is not there; see ${logFile}`,
    );
  fs.renameSync(partial, binary);
  log(`promtool: built in ${((Date.now() - started) / 1000).toFixed(1)} s: ${binary}`);
  return binary;
}
