import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICES } from '../local/services';
import { command, flag, runCommandLine } from './command-line';

export const TEST_CLI = {
  name: 'test',
  usage: 'npm test [-- --unit | --no-chaos]',
  description: `Everything a change must pass, in the order that fails fastest:
format, lint, typecheck, unit tests (through Nx), compile, then the integration and end-to-end
tests (real PostgreSQL, Redis and Kafka, started by the local runner), then the whole shop with
3 Kafka brokers: the chaos smoke and the control room in headless Chromium.
Ends with one line "tests: N passed, M failed" summed from Jest's JSON results.`,
  command: command({
    options: {
      unit: flag('stop before the integration step'),
      noChaos: flag(
        "skip the whole-shop step (it needs the shop's ports, so it refuses to run beside a running shop)",
      ),
    },
    build: (o) => o,
  }),
};

/**
 * `npm test`: everything a change must pass, in the order that fails fastest.
 *   format → lint → typecheck → unit (through Nx) → compile → integration + end-to-end
 * (real PostgreSQL, Redis and Kafka, started by the local runner) → the whole shop with 3 Kafka
 * brokers: the chaos smoke (load-tests/chaos) and the control room in headless Chromium.
 * Ends with one line "tests: N passed, M failed" summed from Jest's JSON results.
 * `npm test -- --unit` stops before the integration step; `--no-chaos` skips the whole-shop step
 * (it needs the shop's ports, so it refuses to run beside a running shop).
 */
const ROOT = join(__dirname, '..', '..');
const RESULTS = join(ROOT, '.cache', 'test-results');
const started = Date.now();

interface Step {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
}

const parsed = runCommandLine(TEST_CLI, process.argv.slice(2));
if (typeof parsed === 'number') process.exit(parsed);
const unitOnly = parsed.unit;
const noChaos = parsed.noChaos;
const npx = (...args: string[]): Pick<Step, 'command' | 'args'> => ({
  command: 'npx',
  args: ['--no-install', ...args],
});

const steps: Step[] = [
  { name: 'format', ...npx('prettier', '--check', '--log-level', 'warn', '.') },
  { name: 'lint', ...npx('nx', 'run-many', '-t', 'lint', '--output-style=static') },
  // The services and tools, then the control room's browser page (its own tsconfig: DOM types).
  { name: 'typecheck', command: 'npm', args: ['run', '--silent', 'typecheck'] },
  { name: 'unit tests', ...npx('nx', 'run-many', '-t', 'test', '--output-style=static') },
  { name: 'compile', command: 'npm', args: ['run', '--silent', 'compile'] },
];
if (!unitOnly) {
  steps.push({
    name: 'integration and end-to-end tests',
    ...npx(
      'jest',
      '-c',
      'jest.integration.config.js',
      '--runInBand',
      '--json',
      `--outputFile=${join(RESULTS, 'integration.json')}`,
    ),
  });
  if (!noChaos) {
    steps.push({
      name: 'whole shop: chaos smoke, the control room in Chromium (3 brokers, vegeta)',
      ...npx(
        'jest',
        '-c',
        'jest.chaos.config.js',
        '--runInBand',
        '--json',
        `--outputFile=${join(RESULTS, 'chaos.json')}`,
      ),
    });
  }
}

function elapsed(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

function run(step: Step): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(step.command, step.args, { cwd: ROOT, stdio: 'inherit', env: process.env });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function summarise(): { passed: number; failed: number } {
  let passed = 0;
  let failed = 0;
  for (const file of existsSync(RESULTS) ? readdirSync(RESULTS) : []) {
    const result = JSON.parse(readFileSync(join(RESULTS, file), 'utf8')) as {
      numPassedTests: number;
      numFailedTests: number;
      numRuntimeErrorTestSuites: number;
    };
    passed += result.numPassedTests;
    failed += result.numFailedTests + result.numRuntimeErrorTestSuites;
  }
  return { passed, failed };
}

async function main(): Promise<void> {
  rmSync(RESULTS, { recursive: true, force: true });
  mkdirSync(RESULTS, { recursive: true });
  const missingClients = SERVICES.filter(
    (s) => s.database && !existsSync(join(ROOT, 'apps', s.name, 'src', 'generated', 'prisma')),
  );
  if (missingClients.length > 0) {
    steps.unshift({
      name: 'prisma clients',
      command: 'npm',
      args: ['run', '--silent', 'prisma:generate'],
    });
  }
  for (const [index, step] of steps.entries()) {
    const stepStarted = Date.now();
    console.log(`\n▶ [${index + 1}/${steps.length}] ${step.name}`);
    const code = await run(step);
    if (code !== 0) {
      const { passed, failed } = summarise();
      console.log(
        `\n✖ ${step.name} failed (exit ${code}) after ${elapsed(stepStarted)}; total ${elapsed(started)}`,
      );
      console.log(`tests: ${passed} passed, ${Math.max(failed, 1)} failed`);
      process.exit(code);
    }
    console.log(`✔ ${step.name} (${elapsed(stepStarted)})`);
  }
  const { passed, failed } = summarise();
  console.log(`\nAll steps passed in ${elapsed(started)}.`);
  console.log(`tests: ${passed} passed, ${failed} failed`);
  if (failed > 0 || passed === 0) process.exit(1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
