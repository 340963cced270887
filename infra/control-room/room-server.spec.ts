import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import type { DemoState, RoomSnapshot } from './room-state';
import { RoomServer, type RoomServerOptions } from './room-server';

const TOKEN = 'a-test-admin-token-0123456789';

const SNAPSHOT: RoomSnapshot = {
  atMs: 1,
  arrivals: { ok: false, error: 'not read yet', atMs: 1 },
  sale: { ok: true, value: null, atMs: 1 },
  lag: { ok: true, value: [], atMs: 1 },
  backlogs: { ok: false, error: 'not read yet', atMs: 1 },
  topology: { ok: false, error: 'not read yet', atMs: 1 },
  health: [],
};

/** A demo that prints two lines and exits with `code` after `ms`: a real child process. */
const fakeDemo =
  (code: number, ms: number): RoomServerOptions['launchDemo'] =>
  (name) =>
    spawn(
      process.execPath,
      [
        '-e',
        `console.log('demo ${name}'); console.log('working'); setTimeout(() => process.exit(${code}), ${ms})`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );

async function serve(overrides: Partial<RoomServerOptions> = {}) {
  const server = new RoomServer({
    snapshot: () => SNAPSHOT,
    launchDemo: fakeDemo(0, 50),
    actionsEnabled: true,
    adminToken: TOKEN,
    tracesUrl: null,
    assets: new Map([['index.html', { type: 'text/html', body: Buffer.from('<h1>room</h1>') }]]),
    log: () => undefined,
    ...overrides,
  });
  await new Promise<void>((resolve) => server.http.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.http.address() as AddressInfo).port}`;
  return { server, base };
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

async function problem(response: Response) {
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  return (await response.json()) as { status: number; code: string; detail: string };
}

async function demoEnded(base: string): Promise<DemoState> {
  for (;;) {
    const { current } = (await (await fetch(`${base}/api/demos`)).json()) as { current: DemoState };
    if (current.state !== 'running') return current;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the control room server', () => {
  let stop: () => Promise<void> = async () => undefined;
  afterEach(() => stop());

  it('serves the page, and a stream that starts with everything a page needs', async () => {
    const { server, base } = await serve({ actionsEnabled: false, adminToken: undefined });
    stop = () => server.stop();
    expect(await (await fetch(`${base}/`)).text()).toBe('<h1>room</h1>');
    const controller = new AbortController();
    const stream = await fetch(`${base}/api/stream`, { signal: controller.signal });
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = stream.body!.getReader();
    const { value } = await reader.read();
    const frame = new TextDecoder().decode(value);
    expect(frame).toContain('event: hello');
    expect(frame).toContain('"actionsEnabled":false');
    controller.abort();
  });

  it('refuses every action while actions are disabled, whatever the token', async () => {
    const { server, base } = await serve({ actionsEnabled: false, adminToken: undefined });
    stop = () => server.stop();
    const answer = await fetch(`${base}/api/demos/peak-shaving`, {
      method: 'POST',
      headers: auth(TOKEN),
    });
    expect(answer.status).toBe(403);
    expect((await problem(answer)).code).toBe('ACTIONS_DISABLED');
  });

  it('asks for the token (401), refuses a forged one (403), then names an unknown demo (404)', async () => {
    const { server, base } = await serve();
    stop = () => server.stop();
    const missing = await fetch(`${base}/api/demos/peak-shaving`, { method: 'POST' });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await problem(missing)).code).toBe('ADMIN_TOKEN_MISSING');

    const forged = await fetch(`${base}/api/demos/peak-shaving`, {
      method: 'POST',
      headers: auth(`${TOKEN}x`),
    });
    expect(forged.status).toBe(403);
    expect((await problem(forged)).code).toBe('ADMIN_TOKEN_INVALID');

    const unknown = await fetch(`${base}/api/demos/rm%20-rf`, {
      method: 'POST',
      headers: auth(TOKEN),
    });
    expect(unknown.status).toBe(404);
    const body = await problem(unknown);
    expect(body.code).toBe('UNKNOWN_DEMO');
    expect(body.detail).toContain('peak-shaving');
  });

  it('runs a demo with the token, one at a time, and reports how it ended', async () => {
    const { server, base } = await serve({ launchDemo: fakeDemo(0, 300) });
    stop = () => server.stop();
    const started = await fetch(`${base}/api/demos/peak-shaving`, {
      method: 'POST',
      headers: auth(TOKEN),
    });
    expect(started.status).toBe(202);
    expect(((await started.json()) as DemoState).state).toBe('running');

    const second = await fetch(`${base}/api/demos/idempotence`, {
      method: 'POST',
      headers: auth(TOKEN),
    });
    expect(second.status).toBe(409);
    expect((await problem(second)).code).toBe('DEMO_RUNNING');

    const ended = await demoEnded(base);
    expect(ended.state).toBe('passed');
    expect(ended.lines).toEqual(['demo peak-shaving', 'working']);
  });

  it('says a demo failed when its command exits non-zero, and stops one on DELETE', async () => {
    const failing = await serve({ launchDemo: fakeDemo(1, 10) });
    stop = () => failing.server.stop();
    await fetch(`${failing.base}/api/demos/reliability`, { method: 'POST', headers: auth(TOKEN) });
    expect((await demoEnded(failing.base)).state).toBe('failed');
    await failing.server.stop();

    const long = await serve({ launchDemo: fakeDemo(0, 60_000) });
    stop = () => long.server.stop();
    const none = await fetch(`${long.base}/api/demos/current`, {
      method: 'DELETE',
      headers: auth(TOKEN),
    });
    expect(none.status).toBe(409);
    expect((await problem(none)).code).toBe('NO_DEMO_RUNNING');
    await fetch(`${long.base}/api/demos/decoupling`, { method: 'POST', headers: auth(TOKEN) });
    const stopped = await fetch(`${long.base}/api/demos/current`, {
      method: 'DELETE',
      headers: auth(TOKEN),
    });
    expect(stopped.status).toBe(202);
    expect((await demoEnded(long.base)).state).toBe('stopped');
  });

  it('answers an unknown path with 404 and a wrong method with 405, as problems', async () => {
    const { server, base } = await serve();
    stop = () => server.stop();
    const nothing = await fetch(`${base}/api/nothing`);
    expect(nothing.status).toBe(404);
    expect((await problem(nothing)).code).toBe('NOT_FOUND');
    const wrong = await fetch(`${base}/api/demos/peak-shaving`, { method: 'PUT' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect((await problem(wrong)).code).toBe('METHOD_NOT_ALLOWED');
  });
});
