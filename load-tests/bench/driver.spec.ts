import type { AddressInfo } from 'node:net';
import { createCeilingServer, CEILING_BODY } from '../engine/infra';
import { drive, progressLine, type Answer } from './driver';
import { Recorder } from './stats';

describe('progressLine', () => {
  it('shows the phase, the rate and the counts', () => {
    const r = new Recorder();
    r.record('accepted', 1);
    r.record('soldOut', 1);
    r.recordError('ETIMEDOUT');
    const line = progressLine(
      { name: 'ramp 1/2', connections: 8, rate: 500, durationSec: 10 },
      0,
      3,
      1234.4,
      r,
    );
    expect(line).toBe(
      '  [ramp 1/2 #1 c=8 ≤500/s   3s/10s]   1234 req/s  202 1  soldout 1  limit 0  429 0  4xx 0  5xx 0  err 1',
    );
  });
});

describe('drive against the ceiling server (loopback, in process)', () => {
  const server = createCeilingServer();
  let url = '';

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends the scenario requests, times and classifies every answer', async () => {
    const answers: Answer[] = [];
    let built = 0;
    const progress: string[] = [];
    const results = await drive({
      url,
      phases: [{ name: 'smoke', connections: 2, rate: 50, durationSec: 1 }],
      nextRequest: () => ({
        method: 'POST',
        path: `/api/x/${built}`,
        headers: { 'content-type': 'application/json' },
        body: '{"quantity":1}',
        tag: built++,
      }),
      onAnswer: (a) => answers.push(a),
      progress: (l) => progress.push(l),
    });
    expect(results).toHaveLength(1);
    const rec = results[0].recorder;
    expect(rec.count('ok')).toBeGreaterThan(0);
    expect(rec.count('ok')).toBeLessThanOrEqual(150); // the cap held (uncapped: thousands)
    expect(rec.count('error')).toBe(0);
    expect(answers.length).toBe(rec.answered);
    expect(answers[0]).toMatchObject({
      status: 200,
      body: CEILING_BODY,
      outcome: 'ok',
      code: null,
    });
    expect(answers.every((a) => a.latencyMs > 0 && a.latencyMs < 1000)).toBe(true);
    expect(new Set(answers.map((a) => a.request.tag)).size).toBe(answers.length);
    expect(results[0].elapsedSec).toBeGreaterThan(0.9);
  });
});
