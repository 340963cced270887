import { stripVTControlCharacters as stripAnsi } from 'node:util';
import { painter } from './colors';
import { SERVICE_WIDTH, formatValue, levelName, renderLogLine, serviceStyle } from './log-format';

const clock = (d: Date): string => d.toISOString().slice(11, 19);

describe('renderLogLine', () => {
  it('renders a pino line as service, time, level, message and the remaining fields', () => {
    const line = JSON.stringify({
      level: 'info',
      time: '2025-05-01T10:11:12.345Z',
      service: 'order-service',
      pid: 4242,
      correlationId: 'abc-1',
      orderId: 'o-7',
      msg: 'order accepted',
    });
    expect(renderLogLine('order-service', line, { clock })).toBe(
      `${'order-service'.padEnd(SERVICE_WIDTH)} 10:11:12 INFO  order accepted correlationId=abc-1 orderId=o-7`,
    );
  });

  it('pads the service name to the longest one so the columns line up', () => {
    const a = renderLogLine('gateway', '{"level":"warn","time":0,"msg":"x"}', { clock });
    const b = renderLogLine('notification-service', '{"level":"warn","time":0,"msg":"x"}', {
      clock,
    });
    expect(a.indexOf('00:00:00')).toBe(b.indexOf('00:00:00'));
    expect(SERVICE_WIDTH).toBe('notification-service'.length);
  });

  it('maps numeric pino levels and epoch times', () => {
    const out = renderLogLine('gateway', '{"level":50,"time":1700000000000,"msg":"boom"}', {
      clock,
    });
    expect(out).toContain(' 22:13:20 ERROR boom');
    expect(levelName(20)).toBe('debug');
    expect(levelName('WARN')).toBe('warn');
  });

  it('shows a Nest context as a prefix and quotes values with spaces', () => {
    const out = renderLogLine(
      'gateway',
      JSON.stringify({
        level: 'info',
        time: 0,
        msg: 'Mapped {/health/live, GET} route',
        context: 'RouterExplorer',
        note: 'two words',
      }),
      { clock },
    );
    expect(out).toMatch(
      /INFO {2}\[RouterExplorer\] Mapped \{\/health\/live, GET\} route note="two words"$/,
    );
  });

  it('summarises an error and adds a few stack frames under error lines', () => {
    const err = {
      type: 'KafkaJSConnectionError',
      message: 'Connection error: ECONNREFUSED',
      stack: 'KafkaJSConnectionError: Connection error\n    at a (x.js:1:1)\n    at b (y.js:2:2)',
    };
    const out = renderLogLine(
      'payment-service',
      JSON.stringify({ level: 'error', time: 0, msg: 'consumer crashed', err }),
      { clock },
    );
    const [head, ...frames] = out.split('\n');
    expect(head).toMatch(
      /ERROR consumer crashed err="KafkaJSConnectionError: Connection error: ECONNREFUSED"$/,
    );
    expect(frames.map((f) => f.trim())).toEqual(['at a (x.js:1:1)', 'at b (y.js:2:2)']);
    expect(frames[0].startsWith(' '.repeat(SERVICE_WIDTH + 1))).toBe(true);
  });

  it('keeps warn lines on one line even when they carry a stack', () => {
    const out = renderLogLine(
      'gateway',
      JSON.stringify({
        level: 'warn',
        time: 0,
        msg: 'slow',
        err: { message: 'late', stack: 'Error: late\n at x' },
      }),
      { clock },
    );
    expect(out).not.toContain('\n');
    expect(out).toMatch(/err=late$/);
  });

  it('passes non-JSON lines through behind the prefix', () => {
    expect(renderLogLine('inventory-service', 'inventory-service: DATABASE_URL is required')).toBe(
      `${'inventory-service'.padEnd(SERVICE_WIDTH)} inventory-service: DATABASE_URL is required`,
    );
    expect(renderLogLine('gateway', '{not json')).toBe(
      `${'gateway'.padEnd(SERVICE_WIDTH)} {not json`,
    );
  });

  it("hides kafkajs's duplicate timestamp", () => {
    const line = JSON.stringify({
      level: 'warn',
      time: 0,
      msg: 'm',
      component: 'kafkajs',
      timestamp: '2025-01-01T00:00:00Z',
    });
    expect(renderLogLine('gateway', line, { clock })).toMatch(/WARN {2}m component=kafkajs$/);
  });

  it('copes with missing time and message', () => {
    expect(renderLogLine('gateway', '{"level":"info","a":1}', { clock })).toBe(
      `${'gateway'.padEnd(SERVICE_WIDTH)} --:--:-- INFO  a=1`,
    );
  });

  it('colours only when asked, and the colours do not change the text', () => {
    const line = JSON.stringify({ level: 'error', time: 0, msg: 'm', k: 'v' });
    const plain = renderLogLine('gateway', line, { clock });
    const coloured = renderLogLine('gateway', line, { clock, paint: painter(true) });
    expect(plain).not.toContain('\u001b[');
    expect(coloured).toContain('\u001b[31m');
    expect(stripAnsi(coloured)).toBe(plain);
  });
});

describe('formatValue', () => {
  it('keeps simple values bare, quotes the rest, and cuts long ones', () => {
    expect(formatValue('abc')).toBe('abc');
    expect(formatValue('a=b')).toBe('"a=b"');
    expect(formatValue(12)).toBe('12');
    expect(formatValue({ a: [1, 2] })).toBe('{"a":[1,2]}');
    expect(formatValue('x'.repeat(50), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});

describe('serviceStyle', () => {
  it('gives each service its own colour', () => {
    const styles = [
      'gateway',
      'order-service',
      'inventory-service',
      'payment-service',
      'logistics-service',
      'notification-service',
    ].map(serviceStyle);
    expect(new Set(styles).size).toBe(6);
  });
});
