/**
 * The build steps of `shop up`: each service's Prisma client when it is missing (a fresh clone;
 * apps/<svc>/src/generated is git-ignored), then swc into dist/ (about a second, so always).
 * Both through their npm scripts, so the shop builds exactly as `npm run ...` does.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type InfraLayout } from '../infra-paths';
import { type RunOptions, type RunResult, runCommand } from '../process';
import { type Log, step } from '../progress';
import { SERVICES, type ServiceName, type ServiceSpec } from '../services';

export type CommandRunner = (
  cmd: string,
  args: readonly string[],
  opts: RunOptions,
) => Promise<RunResult>;

/** Services with a database whose generated Prisma client is missing. */
export function missingPrismaClients(
  layout: Pick<InfraLayout, 'root'>,
  specs: readonly ServiceSpec[] = SERVICES,
): ServiceName[] {
  return specs
    .filter((s) => s.database !== null)
    .filter(
      (s) =>
        !fs.existsSync(
          path.join(layout.root, 'apps', s.name, 'src', 'generated', 'prisma', 'client.ts'),
        ),
    )
    .map((s) => s.name);
}

export async function build(
  layout: Pick<InfraLayout, 'root' | 'logDir'>,
  log: Log,
  run: CommandRunner = runCommand,
): Promise<void> {
  // Full output of both goes here; errors quote its tail.
  const buildLog = path.join(layout.logDir, 'shop-build.log');
  const missing = missingPrismaClients(layout);
  if (missing.length) {
    await step(log, `prisma generate (${missing.join(', ')}: client missing)`, () =>
      run('npm', ['run', '--silent', 'prisma:generate', '--', ...missing], {
        log,
        label: 'npm run prisma:generate',
        cwd: layout.root,
        logFile: buildLog,
        timeoutMs: 10 * 60_000,
      }),
    );
  } else {
    log('prisma clients: present (apps/*/src/generated/prisma)');
  }
  await step(log, 'compile (swc → dist/)', () =>
    run('npm', ['run', '--silent', 'compile'], {
      log,
      label: 'npm run compile',
      cwd: layout.root,
      logFile: buildLog,
      timeoutMs: 5 * 60_000,
    }),
  );
}
