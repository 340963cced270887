/**
 * HTTP probes of a service's /health/live and /health/ready. node:http with no agent, so no pooled
 * socket outlives a probe and keeps the CLI from exiting.
 */
import * as http from 'node:http';

export interface HttpAnswer {
  /** HTTP status, or null when nothing answered (refused, timed out). */
  readonly status: number | null;
  readonly body: string;
  /** Why there was no answer. */
  readonly error?: string;
}

export function httpGet(url: string, timeoutMs = 1_500): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    const req = http.get(
      url,
      { agent: false, headers: { connection: 'close', accept: 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? null, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', (err) =>
          resolve({ status: res.statusCode ?? null, body: '', error: err.message }),
        );
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      resolve({
        status: null,
        body: '',
        error: err.code === 'ECONNREFUSED' ? 'not listening yet' : err.message,
      });
    });
  });
}

/**
 * A one-line reason a service is not ready, from its /health/ready answer
 * (`{status, checks: {name: {status, error?}}}`), e.g. "503 not-ready: kafka: Connection error".
 */
export function describeReadiness(answer: HttpAnswer): string {
  if (answer.status === null) return answer.error ?? 'no answer';
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return `HTTP ${answer.status}`;
  const report = parsed as { status?: unknown; checks?: unknown };
  const parts: string[] = [];
  if (typeof report.checks === 'object' && report.checks !== null) {
    for (const [name, check] of Object.entries(report.checks as Record<string, unknown>)) {
      if (typeof check !== 'object' || check === null) continue;
      const c = check as { status?: unknown; error?: unknown };
      if (c.status === 'up') continue;
      parts.push(typeof c.error === 'string' ? `${name}: ${c.error}` : `${name} down`);
    }
  }
  const status = typeof report.status === 'string' ? ` ${report.status}` : '';
  return `${answer.status}${status}${parts.length ? `: ${parts.join('; ')}` : ''}`;
}

export interface ServiceHealth {
  /** /health/live answered 200. */
  readonly live: boolean;
  /** /health/ready answered 200. */
  readonly ready: boolean;
  /** Why it is not ready ("" when ready). */
  readonly detail: string;
}

export function baseUrl(port: number, host = '127.0.0.1'): string {
  return `http://${host}:${port}`;
}

export async function readiness(
  port: number,
  timeoutMs = 2_500,
): Promise<{ ready: boolean; detail: string }> {
  const answer = await httpGet(`${baseUrl(port)}/health/ready`, timeoutMs);
  return answer.status === 200
    ? { ready: true, detail: '' }
    : { ready: false, detail: describeReadiness(answer) };
}

export async function serviceHealth(port: number): Promise<ServiceHealth> {
  const [live, ready] = await Promise.all([
    httpGet(`${baseUrl(port)}/health/live`),
    readiness(port),
  ]);
  return { live: live.status === 200, ready: ready.ready, detail: ready.detail };
}
