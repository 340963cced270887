import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type ServiceSpec } from './infra';

const ROOT = join(__dirname, '..', '..', '..');

export interface RunningService {
  readonly spec: ServiceSpec;
  readonly port: number;
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a compiled service (`npm run compile` output) as a real process with the given env. */
export function startService(spec: ServiceSpec, env: Record<string, string>): RunningService {
  const entry = join(ROOT, spec.entry);
  if (!existsSync(entry)) {
    throw new Error(`${spec.entry} is missing: run "npm run compile" before the end-to-end tests`);
  }
  const child = spawn(process.execPath, ['--enable-source-maps', entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { spec, port: Number(env.PORT), child, output: () => output, exited };
}

export async function getJson(
  port: number,
  path: string,
): Promise<{ status: number; body: unknown; type: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    signal: AbortSignal.timeout(5000),
  });
  const type = response.headers.get('content-type') ?? '';
  const text = await response.text();
  return { status: response.status, type, body: type.includes('json') ? JSON.parse(text) : text };
}
