/**
 * What the phases of the hot-path bench share: the run (options, logger, where its files go, the
 * notes of the report, the labels of the processes it started), the report being filled in, and
 * the start and end of a run (its directory, the machine it ran on, report.json).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { infraEndpoints, repoRoot, runningKafkaBrokers } from '../../engine/infra';
import type { BenchOptions } from '../args';
import { gitCommit } from '../git-commit';
import { type BenchReport, type Machine } from '../report';
import { GENEROUS_LIMITS } from './processes';

export type Log = (line: string) => void;

/** CPU per process label, in percent of one core (cpu.ts's cpuShares). */
export type CpuShares = ReadonlyArray<{ readonly label: string; readonly percent: number }>;

/** The run, as every phase sees it. */
export interface HotPathRun {
  readonly opts: BenchOptions;
  readonly log: Log;
  readonly root: string;
  /** .data/bench/<time>/: the children's logs, the profiles, report.json. */
  readonly runDir: string;
  readonly endpoints: ReturnType<typeof infraEndpoints>;
  /** The report's notes, in the order the phases add them. */
  readonly notes: string[];
  /** pid → label in the CPU column, for the processes the bench starts (and itself). */
  readonly cpuLabels: Map<number, string>;
}

/** The run once its background CPU is known: what every measurement subtracts. */
export interface MeteredRun extends HotPathRun {
  /** What each process uses with no load (subtracted in the CPU-per-request column). */
  readonly idleShares: CpuShares;
}

/** The report while the phases fill it in. */
export type ReportDraft = { -readonly [K in keyof BenchReport]: BenchReport[K] };

/** Creates the run's directory and the shared state; starts nothing. */
export function prepareRun(opts: BenchOptions, log: Log): HotPathRun {
  const root = repoRoot();
  const runDir = path.join(root, '.data', 'bench', new Date().toISOString().replace(/[:.]/g, '-'));
  fs.mkdirSync(runDir, { recursive: true });
  return {
    opts,
    log,
    root,
    runDir,
    endpoints: infraEndpoints(runningKafkaBrokers() ?? 1),
    notes: [],
    cpuLabels: new Map<number, string>([[process.pid, 'load driver']]),
  };
}

/** The report's header (when, which commit, which machine), no figure yet; logs where it goes. */
export function startReport(run: HotPathRun, command: string): ReportDraft {
  const report: ReportDraft = {
    date: new Date().toISOString(),
    commit: gitCommit(run.root),
    command,
    machine: machineInfo(),
    ceiling: null,
    framework: null,
    soldOut: null,
    rateLimited: null,
    accepted: [],
    redis: [],
    postgres: null,
    gatewayEnv: GENEROUS_LIMITS,
    profile: null,
    notes: run.notes,
  };
  run.log(`hot-path benchmark; logs and results in ${path.relative(run.root, run.runDir)}/`);
  run.log(
    `machine: ${report.machine.cpus} CPUs, ${report.machine.memGiB.toFixed(1)} GiB, node ${report.machine.node}`,
  );
  return report;
}

/** Keeps the figures next to the logs they came from. */
export function writeReport(run: HotPathRun, report: BenchReport): void {
  fs.writeFileSync(path.join(run.runDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
}

function version(cmd: string, args: string[], pattern: RegExp): string {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return pattern.exec(out)?.[1] ?? out.trim();
  } catch {
    return '?';
  }
}

export function machineInfo(): Machine {
  const cpus = os.cpus();
  let osName = `${os.type()} ${os.release()}`;
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(fs.readFileSync('/etc/os-release', 'utf8'));
    if (pretty) osName = `${pretty[1]}, kernel ${os.release()}`;
  } catch {
    // keep the kernel name
  }
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? '?',
    memGiB: os.totalmem() / 1024 ** 3,
    os: osName,
    node: process.version,
    redis: version('redis-server', ['--version'], /v=([\d.]+)/),
    postgres: version('pgbench', ['--version'], /([\d.]+)/),
  };
}
