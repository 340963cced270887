/** The verifier's report as a table for people and as JSON for scripts. Pure. */
import { type Painter, painter } from '../local/shop/colors';
import { renderTable } from '../local/shop/table';
import type { VerifyReport } from './verify';
import type { Verdict } from './verdict';

/** Violations printed per rule in the table; `--json` carries more. */
export const TABLE_VIOLATIONS = 10;
/** Violations per rule in the JSON report (its `violationCount` is the full count). */
export const JSON_VIOLATIONS = 100;

const VERDICT_STYLE = { PASS: 'green', WARN: 'yellow', FAIL: 'red' } as const;

export function renderReport(report: VerifyReport, paint: Painter = painter(false)): string {
  const verdict = (v: Verdict) => paint.paint(v, VERDICT_STYLE[v], 'bold');
  const table = renderTable(
    ['RULE', 'VERDICT', 'DETAIL'],
    report.results.map((r) => [r.rule, verdict(r.verdict), r.detail]),
    paint,
  );
  const findings = report.results
    .filter((r) => r.violations.length > 0)
    .map((r) => {
      const shown = r.violations
        .slice(0, TABLE_VIOLATIONS)
        .map((v) => `  ${v.subject}: ${v.message}`);
      const more = r.violations.length - shown.length;
      return [
        `${paint.paint(r.rule, 'bold')} ${verdict(r.verdict)}, ${r.violations.length} finding(s):`,
        ...shown,
        ...(more > 0 ? [`  … and ${more} more (--json lists up to ${JSON_VIOLATIONS})`] : []),
      ].join('\n');
    });
  const scope = report.saleId === null ? `${report.sales} sale(s)` : `sale ${report.saleId}`;
  const failed = report.results.filter((r) => r.verdict === 'FAIL').map((r) => r.rule);
  const warned = report.results.filter((r) => r.verdict === 'WARN').map((r) => r.rule);
  const summary = report.ok
    ? `verify: ${paint.paint('every invariant holds', 'green')} (${scope}, ${report.orders} orders${warned.length ? `; warnings: ${warned.join(', ')}` : ''})`
    : `verify: ${paint.paint(`${failed.length} rule(s) broken`, 'red')}: ${failed.join(', ')} (${scope}, ${report.orders} orders)`;
  return [table, ...findings, summary].join('\n\n');
}

export function reportJson(report: VerifyReport): string {
  return JSON.stringify(
    {
      ok: report.ok,
      checkedAt: report.checkedAt,
      saleId: report.saleId,
      sales: report.sales,
      orders: report.orders,
      results: report.results.map((r) => ({
        rule: r.rule,
        verdict: r.verdict,
        detail: r.detail,
        violationCount: r.violations.length,
        violations: r.violations.slice(0, JSON_VIOLATIONS),
      })),
    },
    null,
    2,
  );
}
