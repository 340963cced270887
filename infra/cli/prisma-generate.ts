/**
 * npm run prisma:generate [-- <service>...]
 *
 * Generates each service's Prisma client (apps/<service>/src/generated/prisma) offline.
 * `prisma generate` never runs the schema engine, but the Prisma 7 CLI downloads one before any
 * command unless PRISMA_SCHEMA_ENGINE_BINARY names an engine; we name a stub that fails loudly
 * if anything does run it (see infra/prisma/schema-engine-offline.sh). The variable is set for
 * the generate child processes only, never for this process or the shell.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { type MigratableService, migratableService, migratableServices } from '../local/migrate';
import { UsageError, command, runCommandLine } from './command-line';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const ENGINE_STUB = path.join(REPO_ROOT, 'infra', 'prisma', 'schema-engine-offline.sh');

/** The environment of one generate run. */
export function generateEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...base,
    PRISMA_SCHEMA_ENGINE_BINARY: ENGINE_STUB,
    // No telemetry or update checks: their hosts are unreachable here and would only add waits.
    CHECKPOINT_DISABLE: '1',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  };
}

interface Outcome {
  readonly ok: boolean;
  readonly ms: number;
  readonly output: string;
}

/** `prisma generate` in the service's directory, so the CLI picks up its prisma.config.ts. */
function generate(svc: MigratableService): Promise<Outcome> {
  const started = Date.now();
  const cli = require.resolve('prisma/build/index.js');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, 'generate'], {
      cwd: path.dirname(path.dirname(svc.schemaPath)),
      env: generateEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (err) =>
      resolve({ ok: false, ms: Date.now() - started, output: err.message }),
    );
    child.on('close', (code) => resolve({ ok: code === 0, ms: Date.now() - started, output }));
  });
}

export const PRISMA_GENERATE_CLI = {
  name: 'prisma:generate',
  usage: 'npm run prisma:generate [-- <service>...]',
  description: `Generates the Prisma client of every service with a database (or of the named ones)
into apps/<service>/src/generated/prisma, offline.`,
  command: command({
    args: '<service>...',
    options: {},
    build: (_o, names): MigratableService[] => {
      try {
        return names.length ? names.map((name) => migratableService(name)) : migratableServices();
      } catch (err) {
        throw new UsageError(err instanceof Error ? err.message : String(err));
      }
    },
  }),
};

async function main(argv: readonly string[]): Promise<number> {
  const services = runCommandLine(PRISMA_GENERATE_CLI, argv);
  if (typeof services === 'number') return services;
  // Each run is a Node process that mostly burns CPU loading the CLI: one per core.
  const queue = [...services];
  let failed = 0;
  const worker = async (): Promise<void> => {
    for (let svc = queue.shift(); svc; svc = queue.shift()) {
      const outcome = await generate(svc);
      const out = path.relative(
        REPO_ROOT,
        path.join(path.dirname(svc.schemaPath), '..', 'src', 'generated', 'prisma'),
      );
      if (outcome.ok) {
        process.stdout.write(
          `${svc.name}: generated ${out} (${(outcome.ms / 1000).toFixed(1)} s)\n`,
        );
      } else {
        failed++;
        process.stdout.write(`${svc.name}: prisma generate FAILED\n${outcome.output.trim()}\n`);
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(availableParallelism(), services.length) }, worker),
  );
  return failed ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(
        `prisma:generate: error: ${err instanceof Error ? err.message : String(err)}\n`,
      );
      process.exit(1);
    },
  );
}
