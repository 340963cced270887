import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { infraLayout } from '../local/infra-paths';
import { SERVICE_NAMES } from '../local/services';

const SERIOUS = new Set(['warn', 'error', 'fatal']);

interface LogLine {
  readonly level?: unknown;
  readonly time?: unknown;
  readonly msg?: unknown;
  readonly err?: { readonly message?: unknown };
}

/**
 * The services' warnings and errors written since `sinceMs`, counted by service, level, message
 * and error, most frequent first, `top` per service. A failed whole-shop test puts it into its
 * failure: CI keeps only the tail of a long run's output, and the services' logs stay behind on
 * the CI machine, so without it a failure there says what broke but not why.
 */
export function serviceLogDigest(sinceMs: number, logDir = infraLayout().logDir, top = 10): string {
  const sections: string[] = [];
  for (const service of SERVICE_NAMES) {
    const file = path.join(logDir, `${service}.log`);
    if (!existsSync(file)) continue;
    const counts = new Map<string, number>();
    for (const text of readFileSync(file, 'utf8').split('\n')) {
      const line = parse(text);
      if (!line || !SERIOUS.has(String(line.level))) continue;
      if (Date.parse(String(line.time)) < sinceMs) continue;
      const err =
        typeof line.err?.message === 'string' ? ` (${line.err.message.slice(0, 120)})` : '';
      const key = `${String(line.level)} "${String(line.msg)}"${err}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    if (counts.size === 0) continue;
    const worst = [...counts].sort((a, b) => b[1] - a[1]).slice(0, top);
    sections.push(`${service}:`, ...worst.map(([key, n]) => `  ${n} × ${key}`));
  }
  return sections.length > 0 ? sections.join('\n') : "no warnings or errors in the services' logs";
}

function parse(text: string): LogLine | null {
  if (!text.startsWith('{')) return null;
  try {
    return JSON.parse(text) as LogLine;
  } catch {
    return null;
  }
}
