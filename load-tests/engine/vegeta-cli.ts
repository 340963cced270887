/**
 * `vegeta report -type=json` and `vegeta plot`, over answers written back in vegeta's JSON
 * result encoding (results.ts).
 */
import { spawn } from 'node:child_process';
import type { Reporter, VegetaReport } from './figures';

function run(vegeta: string, args: readonly string[], input?: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(vegeta, [...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`vegeta ${args[0]} exited with ${code}: ${stderr.trim().slice(-400)}`));
    });
    // A report reads until EOF; a large input is streamed in chunks to respect backpressure.
    const lines = input ?? [];
    let i = 0;
    const write = (): void => {
      while (i < lines.length) {
        const chunk = lines.slice(i, i + 2000).join('\n') + '\n';
        i += 2000;
        if (!child.stdin.write(chunk)) {
          child.stdin.once('drain', write);
          return;
        }
      }
      child.stdin.end();
    };
    child.stdin.on('error', () => undefined); // the process failed; 'close' reports why
    write();
  });
}

export function vegetaReporter(vegeta: string): Reporter {
  return async (lines) =>
    JSON.parse(await run(vegeta, ['report', '-type=json'], lines)) as VegetaReport;
}

/** `vegeta plot` of a results file into an HTML page. */
export async function vegetaPlot(
  vegeta: string,
  resultsFile: string,
  htmlFile: string,
  title: string,
): Promise<void> {
  await run(vegeta, ['plot', `-title=${title}`, `-output=${htmlFile}`, resultsFile]);
}
