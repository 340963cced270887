import { spawn } from 'node:child_process';
import { repoRoot } from '../local/infra-paths';

/**
 * An npm script of this repository, as a test runs one: its output streamed line by line to
 * `log` and kept; SIGINT after `timeoutMs` (the script's own Ctrl-C handling cleans up).
 */
export function npmScript(
  args: readonly string[],
  timeoutMs: number,
  log: (line: string) => void,
): Promise<{ readonly code: number | null; readonly output: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', ...args], {
      cwd: repoRoot(),
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      for (const line of text.split('\n')) if (line) log(line);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
