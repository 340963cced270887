/**
 * The rules name only metrics the services export. A rule over a metric nobody exports is valid
 * PromQL that matches nothing, so promtool passes it and the alert never fires: this catches a
 * typo, or a metric renamed in the code and not in the rules. (rules.int-spec.ts runs promtool.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const RULE_FILES = ['rules/seckill.rules.yml', 'rules.test.yml'].map((f) =>
  path.join(__dirname, f),
);

/** The shop's metric names in a rule file: not recording rules' names (`a:b:c`), not labels. */
function metricNames(text: string): string[] {
  const names = text.match(/(?<![\w:.-])(?:seckill|gateway|http)_[a-z_]+(?![\w:])/g) ?? [];
  return [...new Set(names)].sort();
}

/** A histogram is declared once and exported as <name>_bucket, _sum and _count. */
function declaredName(metric: string): string {
  return metric.replace(/_(bucket|sum|count)$/, '');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ts$/.test(e.name) && !/\.(int-)?spec\.ts$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .filter((f) => !/[/\\](node_modules|generated)[/\\]/.test(f));
}

describe('metricNames', () => {
  it('finds metric names, not recording rules or label values', () => {
    expect(
      metricNames(
        'sum by (service) (rate(gateway_shed_requests_total{reason=~"overloaded_.*"}[1m])) / ' +
          'service:gateway_purchases:rate1m and group:seckill_consumer_lag:sum  # seckill.dead-letter',
      ),
    ).toEqual(['gateway_shed_requests_total']);
  });
});

describe('the rules', () => {
  const declared = [
    ...sourceFiles(path.join(ROOT, 'apps')),
    ...sourceFiles(path.join(ROOT, 'libs')),
  ].map((f) => readFileSync(f, 'utf8'));

  it.each(RULE_FILES.map((f) => [path.relative(ROOT, f)]))(
    '%s names only metrics that apps/ or libs/ declare',
    (file) => {
      const names = metricNames(readFileSync(path.join(ROOT, file), 'utf8'));
      expect(names.length).toBeGreaterThan(0);
      const missing = names.filter(
        (n) => !declared.some((source) => source.includes(`'${declaredName(n)}'`)),
      );
      expect(missing).toEqual([]);
    },
  );
});
