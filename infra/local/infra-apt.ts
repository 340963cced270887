/**
 * Installs missing Debian packages for the local runner (non-interactive apt-get; `apt-get update`
 * once per process, only when something is missing). Services that a package's install script
 * would start are kept from starting (policy-rc.d) so they cannot take the runner's ports.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Log } from './progress';
import { runCommand, which } from './process';

export interface PackageNeed {
  /** The Debian package to install. */
  readonly pkg: string;
  /** What it provides, for the progress line. */
  readonly why: string;
  /** True when it is already usable (e.g. its binary exists). */
  readonly present: () => boolean;
}

const POLICY_RC_D = '/usr/sbin/policy-rc.d';
let aptUpdated = false;

export function missingPackages(needs: readonly PackageNeed[]): PackageNeed[] {
  const seen = new Set<string>();
  return needs.filter((n) => {
    if (seen.has(n.pkg) || n.present()) return false;
    seen.add(n.pkg);
    return true;
  });
}

export async function ensurePackages(
  needs: readonly PackageNeed[],
  log: Log,
  logDir: string,
): Promise<void> {
  const missing = missingPackages(needs);
  if (missing.length === 0) {
    log(`system packages: all present (${[...new Set(needs.map((n) => n.pkg))].join(', ')})`);
    return;
  }
  if (!which('apt-get')) {
    throw new Error(
      `missing: ${missing.map((m) => `${m.pkg} (${m.why})`).join(', ')}; no apt-get here to install them`,
    );
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(
      `missing: ${missing.map((m) => m.pkg).join(', ')}; installing needs root: run "sudo apt-get install -y ${missing
        .map((m) => m.pkg)
        .join(' ')}" and retry`,
    );
  }
  fs.mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, 'apt.log');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DEBIAN_FRONTEND: 'noninteractive',
    NEEDRESTART_MODE: 'a',
  };
  log(
    `installing ${missing.map((m) => `${m.pkg} (${m.why})`).join(', ')} with apt-get; output in ${logFile}`,
  );
  if (!aptUpdated) {
    await runCommand('apt-get', ['update'], {
      log,
      label: 'apt-get update',
      env,
      logFile,
      timeoutMs: 10 * 60_000,
    });
    aptUpdated = true;
  }
  const addedPolicy = blockServiceStarts();
  try {
    await runCommand(
      'apt-get',
      [
        'install',
        '-y',
        '--no-install-recommends',
        '-o',
        'Dpkg::Options::=--force-confdef',
        '-o',
        'Dpkg::Options::=--force-confold',
        ...missing.map((m) => m.pkg),
      ],
      {
        log,
        label: `apt-get install ${missing.map((m) => m.pkg).join(' ')}`,
        env,
        logFile,
        timeoutMs: 20 * 60_000,
      },
    );
  } finally {
    if (addedPolicy) fs.rmSync(POLICY_RC_D, { force: true });
  }
  const still = missing.filter((m) => !m.present());
  if (still.length) {
    throw new Error(
      `apt-get install finished but still missing: ${still.map((m) => m.pkg).join(', ')} (see ${logFile})`,
    );
  }
}

/** Adds a temporary policy-rc.d (exit 101) unless one exists; returns whether it added it. */
function blockServiceStarts(): boolean {
  if (fs.existsSync(POLICY_RC_D)) return false;
  try {
    fs.writeFileSync(
      POLICY_RC_D,
      '#!/bin/sh\n# temporary, from the seckill infra runner\nexit 101\n',
      { mode: 0o755 },
    );
    return true;
  } catch {
    return false;
  }
}
