/**
 * The Prometheus configuration and rules, judged by Prometheus's own promtool, of the compose
 * image's release (infra/local/promtool.ts builds it once into .cache/; the first build needs
 * Go and its module proxy, a few minutes):
 * - `promtool check config` on prometheus.yml, which loads and checks the rule files too;
 * - `promtool check rules`: YAML, PromQL, templates, and no rule defined twice;
 * - `promtool test rules` on rules.test.yml: each alert fires, and does not fire, when it should.
 * No servers: it runs beside the integration tests only because building promtool is slow.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ensurePromtool } from '../local/promtool';

const DIR = __dirname;
let promtool: string;

beforeAll(async () => {
  promtool = await ensurePromtool((line) => process.stdout.write(`[promtool] ${line}\n`));
}, 20 * 60_000);

/** promtool's exit code and output: a failing expectation shows what promtool said. */
function run(...args: string[]): { code: number | null; output: string } {
  const result = spawnSync(promtool, args, { cwd: DIR, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw result.error;
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

it('check config: prometheus.yml and the rule files it loads', () => {
  const result = run('check', 'config', '--lint=all', '--lint-fatal', 'prometheus.yml');
  expect(result).toEqual({ code: 0, output: expect.stringContaining('SUCCESS') as string });
  expect(result.output).toContain(path.join('rules', 'seckill.rules.yml'));
});

it('check rules: every rule file is valid, and no rule is defined twice', () => {
  const result = run('check', 'rules', '--lint=all', '--lint-fatal', 'rules/seckill.rules.yml');
  expect(result).toEqual({ code: 0, output: expect.stringMatching(/SUCCESS: \d+ rules found/) });
});

it('test rules: the alerts fire and stay quiet as rules.test.yml expects', () => {
  const result = run('test', 'rules', 'rules.test.yml');
  expect(result).toEqual({ code: 0, output: expect.stringContaining('SUCCESS') as string });
});
