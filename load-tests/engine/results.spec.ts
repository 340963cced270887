import { NO_TARGETS_ERROR, epochMsOf, parseResultLine, plotLines, resultLine } from './results';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function line(fields: Record<string, unknown>): string {
  return JSON.stringify({
    attack: 'ramp 1/3: 333/s',
    seq: 5,
    code: 409,
    timestamp: '2026-12-03T08:43:22.396737856Z',
    latency: 12_500_000,
    bytes_out: 14,
    bytes_in: 274,
    error: '409 Conflict',
    body: b64('{"code":"SOLD_OUT"}'),
    method: 'POST',
    url: 'http://127.0.0.1:3000/api/sales/s/orders#77',
    headers: { 'Content-Type': ['application/problem+json'] },
    ...fields,
  });
}

function answerOf(text: string) {
  const parsed = parseResultLine(text, 'shop', 'ramp');
  if (parsed.kind !== 'answer') throw new Error(parsed.reason);
  return parsed.answer;
}

describe('parseResultLine', () => {
  it('maps a result to its request by the URL fragment, not by seq', () => {
    const a = answerOf(line({}));
    expect(a).toMatchObject({
      series: 'shop',
      stage: 'ramp',
      index: 77,
      status: 409,
      outcome: 'soldOut',
      problemCode: 'SOLD_OUT',
      latencyNs: 12_500_000,
      retryAfter: false,
      orderId: null,
    });
    expect(a.sentAtMs).toBeCloseTo(Date.parse('2026-12-03T08:43:22.396Z') + 0.737856, 5);
  });

  it('reads the order id of a 202', () => {
    const a = answerOf(
      line({ code: 202, error: '', body: b64('{"orderId":"o-9","status":"PENDING"}') }),
    );
    expect(a.outcome).toBe('accepted');
    expect(a.orderId).toBe('o-9');
  });

  it('sees Retry-After and Idempotency-Key whatever their case', () => {
    const a = answerOf(
      line({
        code: 503,
        body: b64('{"code":"OVERLOADED"}'),
        headers: { 'retry-after': ['1'], 'Idempotency-Key': ['k-1'] },
      }),
    );
    expect(a.outcome).toBe('overloaded');
    expect(a.retryAfter).toBe(true);
    expect(a.idempotencyKey).toBe('k-1');
  });

  it('classifies no answer (code 0) as a transport error, keeping the error text', () => {
    const a = answerOf(
      line({ code: 0, body: null, headers: null, error: 'Post "x": context deadline exceeded' }),
    );
    expect(a.outcome).toBe('transport');
    expect(a.error).toContain('deadline');
  });

  it('skips what vegeta never sent, and lines that are not ours', () => {
    expect(parseResultLine(line({ error: NO_TARGETS_ERROR }), 's', 'x').kind).toBe('skip');
    expect(parseResultLine(line({ url: 'http://h/no-index' }), 's', 'x').kind).toBe('skip');
    expect(parseResultLine('garbage', 's', 'x').kind).toBe('skip');
  });
});

describe('epochMsOf', () => {
  it('reads ns timestamps in UTC and with an offset', () => {
    expect(epochMsOf('2026-01-01T00:00:00.5Z')).toBe(Date.parse('2026-01-01T00:00:00Z') + 500);
    expect(epochMsOf('2026-01-01T01:00:00+01:00')).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(epochMsOf('nope')).toBeNaN();
  });
});

describe('writing answers back for vegeta report and plot', () => {
  it('keeps status, time and latency; ERROR only for 5xx and no answer', () => {
    const ok = JSON.parse(resultLine(answerOf(line({})), 'shop', 3)) as Record<string, unknown>;
    expect(ok).toMatchObject({
      attack: 'shop',
      seq: 3,
      code: 409,
      timestamp: '2026-12-03T08:43:22.396737856Z',
      latency: 12_500_000,
      error: '',
    });
    const failed = JSON.parse(
      resultLine(answerOf(line({ code: 0, error: 'connection refused' })), 'shop', 0),
    ) as Record<string, unknown>;
    expect(failed.error).toBe('connection refused');
  });

  it('renumbers seq 0…n-1 per attack in send order (vegeta plot waits for each next seq)', () => {
    const at = (ts: string, index: number) =>
      answerOf(line({ timestamp: ts, url: `http://h/api/sales/s/orders#${index}` }));
    const answers = [
      { ...at('2026-01-01T00:00:02Z', 1), series: 'shop' },
      { ...at('2026-01-01T00:00:01Z', 2), series: 'shop' },
      { ...at('2026-01-01T00:00:03Z', 3), series: 'node:http' },
    ];
    const out = plotLines(answers, (a) => a.series).map(
      (l) => JSON.parse(l) as { attack: string; seq: number; timestamp: string },
    );
    expect(out.map((r) => [r.attack, r.seq, r.timestamp])).toEqual([
      ['shop', 0, '2026-01-01T00:00:01Z'],
      ['shop', 1, '2026-01-01T00:00:02Z'],
      ['node:http', 0, '2026-01-01T00:00:03Z'],
    ]);
  });
});
