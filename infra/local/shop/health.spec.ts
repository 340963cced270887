import * as http from 'node:http';
import { type AddressInfo } from 'node:net';
import { describeReadiness, httpGet, readiness } from './health';

describe('describeReadiness', () => {
  it('names the failing checks from a 503 body', () => {
    const body = JSON.stringify({
      status: 'not-ready',
      checks: {
        database: { status: 'up', ms: 1 },
        kafka: { status: 'down', error: 'Connection error', ms: 2000 },
        redis: { status: 'down', ms: 3 },
      },
    });
    expect(describeReadiness({ status: 503, body })).toBe(
      '503 not-ready: kafka: Connection error; redis down',
    );
  });

  it('says draining while a service shuts down', () => {
    expect(describeReadiness({ status: 503, body: '{"status":"draining","checks":{}}' })).toBe(
      '503 draining',
    );
  });

  it('falls back to the status, or the transport error', () => {
    expect(describeReadiness({ status: 404, body: 'Not Found' })).toBe('HTTP 404');
    expect(describeReadiness({ status: null, body: '', error: 'not listening yet' })).toBe(
      'not listening yet',
    );
  });
});

describe('httpGet / readiness', () => {
  let server: http.Server;
  let port: number;
  let ready = false;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/health/ready') {
        res.statusCode = ready ? 200 : 503;
        res.end(
          JSON.stringify({
            status: ready ? 'ready' : 'not-ready',
            checks: ready ? {} : { database: { status: 'down', error: 'ECONNREFUSED' } },
          }),
        );
      } else {
        res.statusCode = 200;
        res.end('{"status":"live"}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reports not ready with the reason, then ready', async () => {
    expect(await readiness(port)).toEqual({
      ready: false,
      detail: '503 not-ready: database: ECONNREFUSED',
    });
    ready = true;
    expect(await readiness(port)).toEqual({ ready: true, detail: '' });
  });

  it('reports a closed port as not listening', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await httpGet(`http://127.0.0.1:${closedPort}/health/live`)).toEqual({
      status: null,
      body: '',
      error: 'not listening yet',
    });
  });
});
