import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serviceLogDigest } from './service-log-digest';

const line = (time: string, level: string, msg: string, err?: string) =>
  JSON.stringify({ level, time, msg, ...(err ? { err: { message: err } } : {}) });

describe('serviceLogDigest', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'digest-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('counts the warnings and errors since the start, most frequent first, per service', () => {
    writeFileSync(
      path.join(dir, 'order-service.log'),
      [
        line('2026-12-07T10:00:00.000Z', 'error', 'before the run'),
        line('2026-12-07T10:00:05.000Z', 'info', 'not serious'),
        line('2026-12-07T10:00:06.000Z', 'warn', 'relay failed', 'publish timed out'),
        line('2026-12-07T10:00:07.000Z', 'error', 'send failed; replacing the producer'),
        line('2026-12-07T10:00:08.000Z', 'warn', 'relay failed', 'publish timed out'),
        'not json',
      ].join('\n'),
    );
    const digest = serviceLogDigest(Date.parse('2026-12-07T10:00:01.000Z'), dir);
    expect(digest.split('\n')).toEqual([
      'order-service:',
      '  2 × warn "relay failed" (publish timed out)',
      '  1 × error "send failed; replacing the producer"',
    ]);
  });

  it('says so when there is nothing to show', () => {
    expect(serviceLogDigest(0, dir)).toBe("no warnings or errors in the services' logs");
  });
});
