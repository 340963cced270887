/**
 * Runs one demo at a time as its own command (`npm run demo -- <name>`, the same a person types),
 * keeps the end of its output for the page and says when it starts and ends. The command runs in
 * its own process group, so stopping it stops what it started too (vegeta, a restarted service).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { DemoName } from './demo-catalogue';
import type { DemoState } from './room-state';

const KEPT_LINES = 400;

export type DemoLauncher = (name: DemoName) => ChildProcess;

export function npmDemoLauncher(cwd: string, env: NodeJS.ProcessEnv): DemoLauncher {
  return (name) =>
    spawn('npm', ['run', '--silent', 'demo', '--', name], {
      cwd,
      env: { ...env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
}

/** A demo is already running: one at a time, they share the shop. */
export class DemoBusy extends Error {}

export interface DemoEvents {
  /** The state changed: started, a line, ended. */
  readonly changed: (state: DemoState) => void;
  readonly started: (name: DemoName) => void;
  readonly ended: (state: DemoState) => void;
}

export class DemoRunner {
  private current: { state: DemoState; child: ChildProcess } | null = null;

  constructor(
    private readonly launch: DemoLauncher,
    private readonly events: DemoEvents,
  ) {}

  get state(): DemoState | null {
    return this.current?.state ?? null;
  }

  get running(): boolean {
    return this.current?.state.state === 'running';
  }

  start(name: DemoName): DemoState {
    if (this.running) throw new DemoBusy(`${this.current?.state.name} is running`);
    const child = this.launch(name);
    const state: DemoState = {
      name,
      state: 'running',
      startedAtMs: Date.now(),
      endedAtMs: null,
      lines: [],
    };
    const entry = { child, state };
    this.current = entry;
    const update = (patch: Partial<DemoState>) => {
      entry.state = { ...entry.state, ...patch };
      this.events.changed(entry.state);
    };
    const onLine = (line: string) => {
      const lines = [...entry.state.lines, line];
      update({ lines: lines.length > KEPT_LINES ? lines.slice(-KEPT_LINES) : lines });
    };
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', onLine);
    }
    child.once('error', (error) => onLine(`could not start the demo: ${error.message}`));
    child.once('close', (code) => {
      // stop() marked it already: an interrupted demo neither passed nor failed.
      const wasStopped = entry.state.state === 'stopped';
      update({
        state: wasStopped ? 'stopped' : code === 0 ? 'passed' : 'failed',
        endedAtMs: Date.now(),
      });
      this.events.ended(entry.state);
    });
    this.events.started(name);
    this.events.changed(entry.state);
    return entry.state;
  }

  /** Interrupts the running demo (SIGINT to its process group); false if none runs. */
  stop(): boolean {
    const current = this.current;
    if (!current || current.state.state !== 'running') return false;
    current.state = { ...current.state, state: 'stopped' };
    const pid = current.child.pid;
    try {
      if (pid !== undefined) process.kill(-pid, 'SIGINT');
    } catch {
      current.child.kill('SIGINT');
    }
    return true;
  }
}
