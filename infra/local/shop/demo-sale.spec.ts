import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JwtCodec } from '@seckill/auth';
import { ensureDemoSale } from './demo-sale';

const SECRET = 'a-test-secret-that-is-long-enough-1234';
const GATEWAY = 'http://gateway.test';

function sale(status: string, id = 'sale-1') {
  return {
    id,
    name: 'Demo',
    price: 1,
    stock: 100,
    remainingStock: 100,
    startsAt: '',
    endsAt: '',
    perUserLimit: 1,
    status,
  };
}

function fakeGateway(routes: Record<string, () => Response>) {
  const calls: Array<{ url: string; init?: RequestInit }> = [];
  const fetchImpl = (async (url: string, init?: RequestInit) => {
    calls.push({ url, init });
    const key = `${init?.method ?? 'GET'} ${url}`;
    const route = routes[key];
    if (!route) return new Response('not found', { status: 404 });
    return route();
  }) as typeof fetch;
  return { fetchImpl, calls };
}

describe('ensureDemoSale', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-sale-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('creates an open sale as an admin and remembers it', async () => {
    const { fetchImpl, calls } = fakeGateway({
      [`POST ${GATEWAY}/api/admin/sales`]: () =>
        Response.json(sale('OPEN', 'new-1'), { status: 201 }),
    });
    const now = new Date('2026-11-25T12:00:00Z');
    const result = await ensureDemoSale(GATEWAY, dataDir, SECRET, fetchImpl, now);
    expect(result).toMatchObject({ created: true, sale: { id: 'new-1' } });
    const body = JSON.parse(String(calls[0]?.init?.body)) as Record<string, unknown>;
    expect(Date.parse(String(body.startsAt))).toBeLessThan(now.getTime());
    expect(Date.parse(String(body.endsAt))).toBeGreaterThan(now.getTime());
    const auth = new Headers(calls[0]?.init?.headers).get('authorization') ?? '';
    expect(new JwtCodec(SECRET).verify(auth.replace('Bearer ', ''))).toEqual({
      userId: 'shop-admin',
      role: 'admin',
    });
    expect(
      JSON.parse(fs.readFileSync(path.join(dataDir, 'shop', 'demo-sale.json'), 'utf8')),
    ).toEqual({ saleId: 'new-1' });
  });

  it('reuses the remembered sale while it is still open', async () => {
    fs.mkdirSync(path.join(dataDir, 'shop'));
    fs.writeFileSync(path.join(dataDir, 'shop', 'demo-sale.json'), '{"saleId":"old-1"}');
    const { fetchImpl, calls } = fakeGateway({
      [`GET ${GATEWAY}/api/sales/old-1`]: () => Response.json(sale('OPEN', 'old-1')),
    });
    const result = await ensureDemoSale(GATEWAY, dataDir, SECRET, fetchImpl);
    expect(result).toMatchObject({ created: false, sale: { id: 'old-1' } });
    expect(calls).toHaveLength(1);
  });

  it('creates a new sale when the remembered one has ended or is gone', async () => {
    fs.mkdirSync(path.join(dataDir, 'shop'));
    fs.writeFileSync(path.join(dataDir, 'shop', 'demo-sale.json'), '{"saleId":"old-1"}');
    const { fetchImpl } = fakeGateway({
      [`GET ${GATEWAY}/api/sales/old-1`]: () => Response.json(sale('ENDED', 'old-1')),
      [`POST ${GATEWAY}/api/admin/sales`]: () =>
        Response.json(sale('OPEN', 'new-2'), { status: 201 }),
    });
    expect(await ensureDemoSale(GATEWAY, dataDir, SECRET, fetchImpl)).toMatchObject({
      created: true,
      sale: { id: 'new-2' },
    });
  });

  it('fails with the gateway answer when creation is refused', async () => {
    const { fetchImpl } = fakeGateway({
      [`POST ${GATEWAY}/api/admin/sales`]: () =>
        new Response('{"code":"FORBIDDEN"}', { status: 403 }),
    });
    await expect(ensureDemoSale(GATEWAY, dataDir, SECRET, fetchImpl)).rejects.toThrow(/HTTP 403/);
  });
});
