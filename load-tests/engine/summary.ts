/**
 * The text a run prints: tables of the stages, latency by outcome, CPU per request, the
 * searches, the generator's ceiling, the replays, the saga trend, the checks and the thresholds.
 * Pure.
 */
import { fmtMs, formatTable } from '../bench/stats';
import { type AmbiguitySummary, REPLAY_CLASS_LABELS, type ReplayClass } from './ambiguity';
import type { AttackResult } from './attack';
import type { Check } from './checks';
import { type CpuRow, cpuLines } from './cpu';
import type { Counted, StageFigures } from './figures';
import { OUTCOMES, OUTCOME_LABELS, type Outcome } from './outcomes';
import type { CeilingRow, SearchRun } from './run';
import { type Found, type Segment, type Stage, amount } from './stages';
import type { ThresholdResult } from './thresholds';
import type { TrendRow } from './trend';

const n = (v: number): string => Math.round(v).toLocaleString('en-US');
const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
const ms = (c: Counted | undefined, key: 'p50' | 'p90' | 'p99' | 'max'): string =>
  c?.latency ? fmtMs(c.latency[key]) : '-';

export function describeStage(stage: Stage, segments: readonly Segment[], found: Found): string {
  const total = segments.reduce((sum, s) => sum + s.requests, 0);
  switch (stage.kind) {
    case 'burst':
      return `${stage.name}: ${n(total)} requests at once`;
    case 'constant':
      return `${stage.name}: ${n(segments[0].rate)} req/s for ${segments[0].durationSec} s (${n(total)} requests)`;
    case 'ramp': {
      const last = segments[segments.length - 1];
      return (
        `${stage.name}: ramp ${n(amount(stage.from, found))} → ${n(amount(stage.to, found))} req/s over ` +
        `${last.offsetSec + last.durationSec} s, as ${segments.length} steps of ` +
        `${segments.map((s) => n(s.rate)).join(', ')} req/s (${n(total)} requests)`
      );
    }
    case 'steps':
      return `${stage.name}: steps ${segments.map((s) => n(s.rate)).join(' → ')} req/s (${n(total)} requests)`;
    case 'search':
      return stage.name;
  }
}

export function stageDoneLine(f: StageFigures, result: AttackResult): string {
  const late = Math.max(0, ...result.segments.map((s) => s.lateMs));
  const span =
    f.kind === 'burst'
      ? `sent within ${fmtMs(f.sendSpanSec * 1000)} ms (first to last send)`
      : `${n(f.sentRate)} req/s sent`;
  return (
    `  done: ${n(f.sent)} of ${n(f.intended)} sent (${pct(f.sentShare)}), ${span}` +
    (result.segments.length > 1 ? `; segments started up to ${late} ms late` : '')
  );
}

const COUNT_COLUMNS: ReadonlyArray<readonly [string, readonly Outcome[]]> = [
  ['202', ['accepted']],
  ['409 SOLD', ['soldOut']],
  ['409 LIMIT', ['limitReached']],
  ['429', ['rateLimited']],
  ['503 OVL', ['overloaded']],
  ['503 UNK', ['outcomeUnknown']],
  ['4xx', ['other4xx']],
  ['5xx', ['other5xx']],
  ['no answer', ['transport']],
  ['2xx', ['ok']],
];

function count(f: StageFigures, outcomes: readonly Outcome[]): number {
  return outcomes.reduce((sum, o) => sum + (f.outcomes[o]?.count ?? 0), 0);
}

export function stageTable(figures: readonly StageFigures[]): string {
  const columns = COUNT_COLUMNS.filter(([, os]) => figures.some((f) => count(f, os) > 0));
  return formatTable(
    ['stage', 'asked', 'sent', 'sent/s', ...columns.map(([h]) => h), '202/s', 'p50', 'p99'],
    figures.map((f) => [
      f.stage,
      f.kind === 'burst' ? `${n(f.intended)} at once` : `${n(f.intendedRate)}/s`,
      n(f.sent),
      f.kind === 'burst' ? `in ${fmtMs(f.sendSpanSec * 1000)} ms` : n(f.sentRate),
      ...columns.map(([, os]) => n(count(f, os))),
      n(f.goodput),
      ms(f.groups.all, 'p50'),
      ms(f.groups.all, 'p99'),
    ]),
  );
}

export function latencyTable(figures: readonly StageFigures[]): string {
  const rows: string[][] = [];
  for (const f of figures) {
    for (const o of OUTCOMES) {
      const c = f.outcomes[o];
      if (!c) continue;
      rows.push([
        f.stage,
        OUTCOME_LABELS[o],
        n(c.count),
        pct(c.count / Math.max(1, f.groups.all.count)),
        ms(c, 'p50'),
        ms(c, 'p90'),
        ms(c, 'p99'),
        ms(c, 'max'),
      ]);
    }
    if (f.groups.shed.count > 0)
      rows.push([
        f.stage,
        'shed (429 + 503 OVL)',
        n(f.groups.shed.count),
        pct(f.groups.shed.count / Math.max(1, f.groups.all.count)),
        ms(f.groups.shed, 'p50'),
        ms(f.groups.shed, 'p90'),
        ms(f.groups.shed, 'p99'),
        ms(f.groups.shed, 'max'),
      ]);
  }
  return formatTable(['stage', 'outcome', 'count', 'share', 'p50', 'p90', 'p99', 'max'], rows);
}

function detailLines(figures: readonly StageFigures[]): string[] {
  const lines: string[] = [];
  for (const f of figures) {
    const details = Object.entries(f.details);
    if (details.length)
      lines.push(`  ${f.stage}: ${details.map(([k, v]) => `${k} ×${n(v)}`).join(', ')}`);
    if (f.missingRetryAfter > 0)
      lines.push(`  ${f.stage}: ${n(f.missingRetryAfter)} answers 429/503 WITHOUT Retry-After`);
  }
  return lines;
}

export function sheddingTable(figures: readonly StageFigures[]): string {
  return formatTable(
    [
      'stage',
      'arrivals/s',
      'goodput 202/s',
      'excess 429+503',
      'excess p99',
      'timeouts',
      'no Retry-After',
    ],
    figures.map((f) => [
      f.stage,
      n(f.intendedRate),
      n(f.goodput),
      n(f.groups.shed.count),
      ms(f.groups.shed, 'p99'),
      n(f.timeouts),
      `${n(f.missingRetryAfter)} of ${n(f.groups.shed.count + (f.outcomes.outcomeUnknown?.count ?? 0))}`,
    ]),
  );
}

function searchLines(searches: readonly SearchRun[]): string[] {
  const lines: string[] = [];
  for (const s of searches) {
    lines.push(
      `search ${s.stage} (${s.target}; held = p99 ≤ ${s.p99Ms} ms, every answer expected, the generator on time):`,
    );
    lines.push(
      formatTable(
        ['  rate', 'sent', 'sent/s', 'p50', 'p99', 'verdict'],
        s.steps.map((st) => [
          `  ${n(st.rate)}/s`,
          n(st.figures.sent),
          n(st.figures.sentRate),
          ms(st.figures.groups.all, 'p50'),
          ms(st.figures.groups.all, 'p99'),
          `${st.verdict}: ${st.reason}`,
        ]),
      ),
    );
    lines.push(`  → ${s.saveAs} = ${s.result.text}`);
  }
  return lines;
}

function ceilingLines(rows: readonly CeilingRow[], noCeiling: boolean): string[] {
  if (noCeiling || rows.every((r) => r.ceiling === null))
    return [
      'generator ceiling: not measured (--no-ceiling): these figures say nothing about whether the generator kept up',
    ];
  const lines = [
    'generator ceiling (the same stages, same requests, against a bare node:http server):',
    formatTable(
      ['stage', 'asked', 'shop: sent', 'node:http: sent', 'node:http p50', 'p99', 'figure'],
      rows.map((r) => {
        const c = r.ceiling;
        const asked = c
          ? c.kind === 'burst'
            ? `${n(c.intended)} at once`
            : `${n(c.intendedRate)}/s`
          : '-';
        const sent = (f: StageFigures | null): string =>
          f
            ? f.kind === 'burst'
              ? `${n(f.sent)} in ${fmtMs(f.sendSpanSec * 1000)} ms`
              : `${n(f.sentRate)}/s (${pct(f.sentShare)})`
            : '-';
        return [
          r.stage,
          asked,
          sent(r.shop),
          sent(c),
          ms(c?.groups.all, 'p50'),
          ms(c?.groups.all, 'p99'),
          r.counts ? 'counts' : 'DOES NOT COUNT',
        ];
      }),
    ),
  ];
  const held = rows
    .filter((r) => r.ceiling && r.counts && r.ceiling.kind !== 'burst')
    .map((r) => r.ceiling?.sentRate ?? 0);
  if (held.length)
    lines.push(
      `  the generator sent up to ${n(Math.max(...held))} req/s on time against bare node:http in this run`,
    );
  for (const r of rows)
    if (!r.counts) lines.push(`  ${r.stage}: this figure does NOT count: ${r.why}`);
    else if (r.why !== 'below the ceiling') lines.push(`  ${r.stage}: ${r.why}`);
  return lines;
}

function replayLines(a: AmbiguitySummary): string[] {
  const p = a.plan;
  const lines = [
    `replays (after the load, same token, body and Idempotency-Key): ${n(p.unsettledReplayed)} of ${n(p.unsettled)} ` +
      `unsettled answers, ${n(p.refusalsReplayed)} of ${n(p.refusals)} refusals`,
  ];
  for (const cls of Object.keys(a.byClass) as ReplayClass[])
    if (a.byClass[cls] > 0)
      lines.push(`  ${n(a.byClass[cls]).padStart(7)}  ${REPLAY_CLASS_LABELS[cls]}`);
  for (const [k, v] of Object.entries(a.byOriginal)) lines.push(`           ${k}: ${n(v)}`);
  for (const e of a.examples) lines.push(`  e.g. ${e}`);
  return lines;
}

function trendLines(trend: readonly TrendRow[]): string[] {
  return [
    'time from 202 to SHIPPED, by when the order was accepted:',
    formatTable(
      ['  accepted at', 'orders', 'shipped', 'p50 ms', 'p90 ms', 'max ms'],
      trend.map((t) => [
        `  ${t.fromSec}–${t.toSec} s`,
        n(t.accepted),
        n(t.shipped),
        fmtMs(t.p50),
        fmtMs(t.p90),
        fmtMs(t.max),
      ]),
    ),
  ];
}

/** Every stage whose CPU was measured: the shop's, each search step, each ceiling stage. */
function cpuRows(r: ReportInput): CpuRow[] {
  return [
    ...r.figures,
    ...r.searches.flatMap((s) => s.steps.map((st) => st.figures)),
    ...r.ceiling.flatMap((c) => (c.ceiling ? [c.ceiling] : [])),
  ];
}

export interface ReportInput {
  readonly figures: readonly StageFigures[];
  readonly searches: readonly SearchRun[];
  readonly ratios: ReadonlyArray<{
    name: string;
    numerator: number;
    denominator: number;
    numeratorIsLowerBound: boolean;
    denominatorIsLowerBound: boolean;
    value: number | null;
  }>;
  readonly ceiling: readonly CeilingRow[];
  readonly ambiguity: AmbiguitySummary;
  readonly checks: readonly Check[];
  readonly thresholds: readonly ThresholdResult[];
  readonly trend: readonly TrendRow[] | null;
  readonly noCeiling: boolean;
  readonly shedding?: boolean;
}

export function report(r: ReportInput): string[] {
  const lines: string[] = [];
  if (r.figures.length) {
    lines.push('answers by stage (counts; latency in ms, vegeta report over every answer):');
    lines.push(stageTable(r.figures), '');
    lines.push('latency by outcome (ms, vegeta report):');
    lines.push(latencyTable(r.figures));
    const details = detailLines(r.figures);
    if (details.length) lines.push('other answers:', ...details);
    lines.push('');
  }
  const cpu = cpuLines(cpuRows(r));
  if (cpu.length) lines.push(...cpu, '');
  if (r.figures.length && r.shedding)
    lines.push(
      'goodput and the excess (the answers that tell a buyer to come back: 429, 503 OVERLOADED):',
      sheddingTable(r.figures),
      '',
    );
  if (r.searches.length) lines.push(...searchLines(r.searches), '');
  for (const ratio of r.ratios) {
    const ge = (b: boolean): string => (b ? '≥ ' : '');
    // A lower bound on top makes the ratio one too; on the bottom, an upper bound.
    const up = ratio.numeratorIsLowerBound;
    const down = ratio.denominatorIsLowerBound;
    const value =
      ratio.value === null || (up && down)
        ? '?'
        : `${up ? '≥ ' : down ? '≤ ' : ''}${(ratio.value * 100).toFixed(1)} %`;
    lines.push(
      `${ratio.name}: ${ge(up)}${n(ratio.numerator)} / ${ge(down)}${n(ratio.denominator)} = ${value}`,
    );
    if (up || down)
      lines.push(
        '  (≥: that search stopped where the generator could not send more: a lower bound, not the limit)',
      );
  }
  if (r.ratios.length) lines.push('');
  lines.push(...ceilingLines(r.ceiling, r.noCeiling), '');
  lines.push(...replayLines(r.ambiguity), '');
  if (r.trend?.length) lines.push(...trendLines(r.trend), '');
  lines.push('checks (once the saga settled every accepted order):');
  for (const c of r.checks) lines.push(`  ${c.ok ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}`);
  lines.push('thresholds:');
  for (const t of r.thresholds) lines.push(`  ${t.ok ? 'PASS' : 'FAIL'}  ${t.name}: ${t.detail}`);
  return lines;
}
