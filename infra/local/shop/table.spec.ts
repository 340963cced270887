import { stripVTControlCharacters as stripAnsi } from 'node:util';
import { painter } from './colors';
import { infraAddress, renderStatusTable, renderTable, renderUpTable } from './table';

describe('renderTable', () => {
  it('aligns columns, bolds nothing without colour, and leaves no trailing spaces', () => {
    expect(
      renderTable(
        ['A', 'BB', 'C'],
        [
          ['xxx', 'y', ''],
          ['z', 'wwww', 'end'],
        ],
      ),
    ).toBe(['A    BB    C', 'xxx  y', 'z    wwww  end'].join('\n'));
  });

  it('aligns coloured cells by their visible width', () => {
    const paint = painter(true);
    const out = renderTable(
      ['NAME', 'STATE'],
      [
        [paint.paint('a', 'red'), 'x'],
        ['bbbb', 'y'],
      ],
      paint,
    );
    expect(stripAnsi(out)).toBe(['NAME  STATE', 'a     x', 'bbbb  y'].join('\n'));
  });
});

describe('renderUpTable', () => {
  it('lists services, then the infra with its addresses, and the status of each', () => {
    const out = renderUpTable(
      [
        {
          name: 'gateway',
          url: 'http://127.0.0.1:3000',
          pid: 10,
          status: 'ready in 4.2s',
          ok: true,
        },
        {
          name: 'order-service',
          url: 'http://127.0.0.1:3001',
          pid: 11,
          status: 'ready (already running)',
          ok: true,
        },
      ],
      [
        { component: 'postgres', pid: 20, port: 5432, running: true },
        { component: 'redis', pid: 21, port: 6379, running: true },
        { component: 'kafka-1', pid: null, port: 9092, running: false, detail: 'stale pid file' },
      ],
    );
    expect(out.split('\n')).toEqual([
      'NAME           URL                          PID  STATUS',
      'gateway        http://127.0.0.1:3000        10   ready in 4.2s',
      'order-service  http://127.0.0.1:3001        11   ready (already running)',
      'postgres       postgresql://127.0.0.1:5432  20   running',
      'redis          redis://127.0.0.1:6379       21   running',
      'kafka-1        127.0.0.1:9092               -    not running (stale pid file)',
    ]);
  });

  it('addresses infra components by scheme', () => {
    expect(infraAddress('postgres', 5432)).toBe('postgresql://127.0.0.1:5432');
    expect(infraAddress('redis', 6379)).toBe('redis://127.0.0.1:6379');
    expect(infraAddress('kafka-2', 9093)).toBe('127.0.0.1:9093');
    expect(infraAddress('jaeger', 16686)).toBe('http://127.0.0.1:16686');
  });
});

describe('renderStatusTable', () => {
  it('shows state, liveness, readiness and a note per service, then the infra', () => {
    const out = renderStatusTable(
      [
        {
          name: 'gateway',
          pid: 10,
          port: 3000,
          state: 'running',
          live: true,
          ready: true,
          note: 'http://127.0.0.1:3000',
        },
        {
          name: 'inventory-service',
          pid: null,
          port: 3002,
          state: 'exited',
          live: null,
          ready: null,
          note: 'pid 12 exited; see .data/logs/inventory-service.log',
        },
        {
          name: 'payment-service',
          pid: 13,
          port: 3003,
          state: 'running',
          live: true,
          ready: false,
          note: '503 not-ready: kafka: Connection error',
        },
      ],
      [{ component: 'postgres', pid: 20, port: 5432, running: true }],
    );
    const [services, infra] = out.split('\n\n');
    expect(services.split('\n')).toEqual([
      'SERVICE            PID  PORT  STATE    LIVE  READY  NOTES',
      'gateway            10   3000  running  yes   yes    http://127.0.0.1:3000',
      'inventory-service  -    3002  exited   -     -      pid 12 exited; see .data/logs/inventory-service.log',
      'payment-service    13   3003  running  yes   no     503 not-ready: kafka: Connection error',
    ]);
    expect(infra.split('\n')).toEqual([
      'INFRA     PID  PORT  STATE    NOTES',
      'postgres  20   5432  running',
    ]);
  });
});
