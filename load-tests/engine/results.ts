/**
 * vegeta results, both ways. Pure.
 *
 * In: one line of `vegeta encode --to json` (fields `attack, seq, code, timestamp, latency`
 * (ns), `bytes_out, bytes_in, error, body` (base64), `method, url, headers`) becomes an
 * `Answer`: which request it was (the URL fragment, see targets.ts), its outcome, and the few
 * things the checks need from the body and headers.
 *
 * Out: `resultLine` writes an answer back in the same encoding, without body and headers, so
 * `vegeta report` and `vegeta plot` can read the run's answers from one file.
 */
import { type Outcome, classify, isAcceptedStatus, orderIdOf, problemCodeOf } from './outcomes';
import { indexOfUrl } from './targets';

export interface Answer {
  /** What was attacked: `shop`, or a bare server (`node:http`, `fastify`). */
  readonly series: string;
  readonly stage: string;
  /** The request's index in the run (targets.ts). */
  readonly index: number;
  /** HTTP status; 0 when there was no answer. */
  readonly status: number;
  readonly outcome: Outcome;
  readonly problemCode: string | null;
  /** When vegeta sent it: its timestamp as printed (RFC 3339, ns) and as epoch ms. */
  readonly sentAt: string;
  readonly sentAtMs: number;
  readonly latencyNs: number;
  /** vegeta's error text: the transport error, or the status line of a 4xx/5xx. */
  readonly error: string;
  readonly retryAfter: boolean;
  readonly orderId: string | null;
  /** The Idempotency-Key header of the answer, when the gateway returns one. */
  readonly idempotencyKey: string | null;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

interface VegetaResultJson {
  attack?: string;
  seq?: number;
  code?: number;
  timestamp?: string;
  latency?: number;
  bytes_out?: number;
  bytes_in?: number;
  error?: string;
  body?: string | null;
  url?: string;
  headers?: Record<string, string[]> | null;
}

/** vegeta's error for a worker that found the targets exhausted (`-lazy`): nothing was sent. */
export const NO_TARGETS_ERROR = 'no targets to attack';

/** RFC 3339 with up to ns → epoch ms, keeping the sub-ms digits. NaN when malformed. */
export function epochMsOf(timestamp: string): number {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(timestamp);
  if (!m) return Number.NaN;
  const whole = Date.parse(`${m[1]}${m[3]}`);
  const fraction = m[2] ? Number(`0.${m[2]}`) * 1000 : 0;
  return whole + fraction;
}

function header(headers: Record<string, string[]> | null | undefined, name: string): string | null {
  if (!headers) return null;
  const wanted = name.toLowerCase();
  for (const [key, values] of Object.entries(headers))
    if (key.toLowerCase() === wanted && values.length > 0) return values[0];
  return null;
}

export type ParsedLine =
  | { readonly kind: 'answer'; readonly answer: Answer }
  /** A result for a request vegeta never sent (targets exhausted, or not ours). */
  | { readonly kind: 'skip'; readonly reason: string };

export function parseResultLine(line: string, series: string, stage: string): ParsedLine {
  let r: VegetaResultJson;
  try {
    r = JSON.parse(line) as VegetaResultJson;
  } catch {
    return { kind: 'skip', reason: `not JSON: ${line.slice(0, 80)}` };
  }
  if (r.error === NO_TARGETS_ERROR) return { kind: 'skip', reason: NO_TARGETS_ERROR };
  const index = indexOfUrl(r.url ?? '');
  if (index === null) return { kind: 'skip', reason: `no request index in ${r.url ?? '(no url)'}` };
  const status = r.code ?? 0;
  // Only purchase answers need their body read: 202 for the order id, the rest for the code.
  const body =
    status !== 0 && status !== 200 && r.body ? Buffer.from(r.body, 'base64').toString('utf8') : '';
  const problemCode = status >= 400 ? problemCodeOf(body) : null;
  const sentAt = r.timestamp ?? '';
  return {
    kind: 'answer',
    answer: {
      series,
      stage,
      index,
      status,
      outcome: classify(status, problemCode),
      problemCode,
      sentAt,
      sentAtMs: epochMsOf(sentAt),
      latencyNs: r.latency ?? 0,
      error: r.error ?? '',
      retryAfter: header(r.headers, 'retry-after') !== null,
      orderId: isAcceptedStatus(status) ? orderIdOf(body) : null,
      idempotencyKey: header(r.headers, 'idempotency-key'),
      bytesIn: r.bytes_in ?? 0,
      bytesOut: r.bytes_out ?? 0,
    },
  };
}

/**
 * An answer in vegeta's JSON result encoding, as attack `attack` with sequence number `seq`.
 * `vegeta plot` draws two lines per attack, OK and ERROR, by whether `error` is empty; here
 * ERROR means what a buyer must never get (5xx or no answer), not any 4xx as in vegeta.
 */
export function resultLine(answer: Answer, attack: string, seq: number): string {
  const failed = answer.status === 0 || answer.status >= 500;
  return JSON.stringify({
    attack,
    seq,
    code: answer.status,
    timestamp: answer.sentAt,
    latency: answer.latencyNs,
    bytes_out: answer.bytesOut,
    bytes_in: answer.bytesIn,
    error: failed ? answer.error || `HTTP ${answer.status}` : '',
    body: '',
    method: 'POST',
    url: '',
    headers: {},
  });
}

/**
 * `vegeta plot` orders each attack's points by `seq` and waits for the next number: a gap
 * (answers left out, or several vegeta processes each counting from 0) hides everything after
 * it. So the plot input is renumbered 0…n-1 per attack, in the order the requests were sent.
 */
export function plotLines(answers: readonly Answer[], attackOf: (a: Answer) => string): string[] {
  const byAttack = new Map<string, Answer[]>();
  for (const a of answers) {
    const attack = attackOf(a);
    const list = byAttack.get(attack);
    if (list) list.push(a);
    else byAttack.set(attack, [a]);
  }
  const lines: string[] = [];
  for (const [attack, list] of byAttack) {
    list.sort((x, y) => x.sentAtMs - y.sentAtMs);
    list.forEach((a, seq) => lines.push(resultLine(a, attack, seq)));
  }
  return lines;
}
