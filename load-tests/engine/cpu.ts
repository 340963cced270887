/**
 * CPU per answered request, per process group, over each stage: load-tests/bench/cpu.ts reads /proc
 * (`cpuSnapshot` before and after a stage, `cpuShares` over its wall time, as the closed-model
 * bench does); here those shares become µs of CPU per answer of the stage. Pure: run.ts takes
 * the snapshots.
 */
import { type CpuSnapshot, cpuPerRequestUs, cpuShares, formatCpuShares } from '../bench/cpu';
import { formatTable } from '../bench/stats';
import type { Answer } from './results';

export interface CpuShare {
  readonly label: string;
  /** Percent of one core over the stage. */
  readonly percent: number;
}

/** The label of vegeta (load-tests/bench/cpu.ts `labelOf`) and of this engine's own process. */
export const GENERATOR_LABEL = 'load generator';

/** Which labels of load-tests/bench/cpu.ts `labelOf` make up each group. */
export const CPU_GROUPS = {
  /** What a purchase crosses before its answer. */
  hotPath: ['gateway', 'order-service', 'redis', 'redis (AOF rewrite / snapshot)', 'kafka'],
  /** What works an accepted order off after its 202. */
  saga: [
    'inventory-service',
    'payment-service',
    'logistics-service',
    'notification-service',
    'postgres',
  ],
  generator: [GENERATOR_LABEL],
  /** The generator's-ceiling stages and the framework floor: infra/bench/ceiling-server.ts. */
  bareServer: ['ceiling server', 'fastify floor'],
} as const satisfies Record<string, readonly string[]>;

export type CpuGroup = keyof typeof CPU_GROUPS;

/** µs of CPU per answered request; null when the stage had no answer. */
export type UsPerRequest = Readonly<Record<CpuGroup, number | null>> & {
  /** Every label's own figure, the groups' members and the rest ("other", "unaccounted"). */
  readonly byLabel: Readonly<Record<string, number>>;
};

/** The CPU of one stage, as summary.json holds it (`cpu` of a stage's figures). */
export interface StageCpu {
  /** From the snapshot before the first arrival to the one after the last answer. */
  readonly wallSec: number;
  /** Requests that got an HTTP answer (vegeta's code 0, no answer, left out). */
  readonly answers: number;
  /** Percent of one core per label, largest first (load-tests/bench/cpu.ts `cpuShares`). */
  readonly shares: readonly CpuShare[];
  /** How busy the whole machine was, percent of all its cores together. */
  readonly machineBusyPercent: number;
  readonly usPerRequest: UsPerRequest;
}

/** A stage's answered requests: every answer with an HTTP status. */
export function answeredCount(answers: readonly Answer[]): number {
  return answers.reduce((n, a) => n + (a.status !== 0 ? 1 : 0), 0);
}

/** µs of CPU per answer spent by the given labels (cpuPerRequestUs over just those shares). */
export function labelsUsPerRequest(
  shares: readonly CpuShare[],
  labels: readonly string[],
  answers: number,
  wallSec: number,
): number | null {
  if (!(answers > 0) || !(wallSec > 0)) return null;
  const mine = shares.filter((s) => labels.includes(s.label));
  return cpuPerRequestUs(mine, answers / wallSec, [], []);
}

/** Per group and per label; the groups are sums of their members' labels. */
export function usPerRequest(
  shares: readonly CpuShare[],
  answers: number,
  wallSec: number,
): UsPerRequest {
  const of = (labels: readonly string[]): number | null => {
    const v = labelsUsPerRequest(shares, labels, answers, wallSec);
    return v === null ? null : round(v, 1);
  };
  const byLabel: Record<string, number> = {};
  for (const s of shares) {
    const v = of([s.label]);
    if (v !== null) byLabel[s.label] = v;
  }
  return {
    hotPath: of(CPU_GROUPS.hotPath),
    saga: of(CPU_GROUPS.saga),
    generator: of(CPU_GROUPS.generator),
    bareServer: of(CPU_GROUPS.bareServer),
    byLabel,
  };
}

/**
 * Percent of the whole machine: the shares add up to the machine's busy time (their
 * `unaccounted` is what /proc/stat saw beyond the processes), in percent of one core each.
 */
export function machineBusyPercent(shares: readonly CpuShare[], cores: number): number {
  const total = shares.reduce((sum, s) => sum + s.percent, 0);
  return cores > 0 ? total / cores : total;
}

/** The CPU of a stage from the snapshots around it. */
export function stageCpu(
  before: CpuSnapshot,
  after: CpuSnapshot,
  wallSec: number,
  answers: number,
  cores: number,
  hz?: number,
): StageCpu {
  const shares = cpuShares(before, after, wallSec, hz);
  return {
    wallSec: round(wallSec, 3),
    answers,
    shares: shares.map((s) => ({ label: s.label, percent: round(s.percent, 1) })),
    machineBusyPercent: round(machineBusyPercent(shares, cores), 1),
    usPerRequest: usPerRequest(shares, answers, wallSec),
  };
}

/** summary.json keeps 0.1 µs and 0.1 %, not the float noise of tick arithmetic. */
function round(v: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(v * k) / k;
}

/** A measured stage as the report lists it: shop stages by name, bare servers' prefixed. */
export interface CpuRow {
  readonly series: string;
  readonly stage: string;
  readonly cpu?: StageCpu;
}

const us = (v: number | null): string => (v === null ? '-' : Math.round(v).toLocaleString('en-US'));

/** The console table: one row per measured stage, µs per answered request by group. */
export function cpuLines(rows: readonly CpuRow[]): string[] {
  const measured = rows.filter((r): r is CpuRow & { cpu: StageCpu } => r.cpu !== undefined);
  if (measured.length === 0) return [];
  const bare = measured.some((r) => r.series !== 'shop');
  return [
    'CPU per answered request (µs; from /proc over each stage):',
    formatTable(
      [
        'stage',
        'answers',
        'hot path',
        'saga',
        'generator',
        ...(bare ? ['bare server'] : []),
        'machine busy',
        'top (% of a core)',
      ],
      measured.map(({ series, stage, cpu }) => [
        series === 'shop' ? stage : `${series}: ${stage}`,
        cpu.answers.toLocaleString('en-US'),
        us(cpu.usPerRequest.hotPath),
        us(cpu.usPerRequest.saga),
        us(cpu.usPerRequest.generator),
        ...(bare ? [us(cpu.usPerRequest.bareServer)] : []),
        `${Math.round(cpu.machineBusyPercent)}%`,
        formatCpuShares(cpu.shares.slice(0, 3)),
      ]),
    ),
    // The saga also works off earlier stages' orders (lag): hot-path µs is the stage's own.
    '  hot path = gateway + order-service + redis + kafka: the figure to compare. saga = inventory,',
    "  payment, logistics, notification + postgres: it works off earlier stages' orders too (lag),",
    "  so its CPU in a stage is not that stage's cost. generator = vegeta + this process.",
  ];
}
