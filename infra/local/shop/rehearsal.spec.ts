import { JwtCodec } from '@seckill/auth';
import { REHEARSAL, rehearsalLine, rehearseSale } from './rehearsal';

const SECRET = 'a-test-secret-that-is-long-enough-1234';
const GATEWAY = 'http://gateway.test';
const SALE_ID = '7d0c1a52-3c1e-4d55-9a51-0d7d3f0d2a10';

interface Call {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A gateway that sells `stock` units, one per buyer, and answers the rest with `rest`. */
function fakeGateway(stock: number, rest: (i: number) => Response | Error) {
  const calls: Call[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fetchImpl = (async (url: string, init?: RequestInit) => {
    const call: Call = {
      url,
      headers: (init?.headers ?? {}) as Record<string, string>,
      body: String(init?.body),
    };
    calls.push(call);
    if (url.endsWith('/api/admin/sales')) {
      return Response.json({ ...JSON.parse(call.body), id: SALE_ID }, { status: 201 });
    }
    const purchase = calls.filter((c) => c.url.endsWith('/orders')).length - 1;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    inFlight--;
    if (purchase < stock) return new Response('{}', { status: 202 });
    const answer = rest(purchase);
    if (answer instanceof Error) throw answer;
    return answer;
  }) as typeof fetch;
  return { fetchImpl, calls, maxInFlight: () => maxInFlight };
}

const soldOut = () => new Response('{}', { status: 409 });

describe('rehearseSale', () => {
  it('creates an open sale as admin, then sends one purchase per buyer, each with its own token and key', async () => {
    const gateway = fakeGateway(5, soldOut);
    const result = await rehearseSale(
      GATEWAY,
      SECRET,
      { buyers: 40, concurrency: 8 },
      gateway.fetchImpl,
    );

    const [create, ...purchases] = gateway.calls;
    expect(create.url).toBe(`${GATEWAY}/api/admin/sales`);
    const codec = new JwtCodec(SECRET);
    expect(codec.verify(create.headers.authorization.slice('Bearer '.length)).role).toBe('admin');
    expect(JSON.parse(create.body)).toMatchObject({
      stock: REHEARSAL.stock,
      perUserLimit: 1,
      name: REHEARSAL.name,
    });

    expect(purchases).toHaveLength(40);
    expect(purchases.every((c) => c.url === `${GATEWAY}/api/sales/${SALE_ID}/orders`)).toBe(true);
    const buyers = purchases.map(
      (c) => codec.verify(c.headers.authorization.slice('Bearer '.length)).userId,
    );
    expect(new Set(buyers).size).toBe(40);
    expect(new Set(purchases.map((c) => c.headers['idempotency-key'])).size).toBe(40);
    expect(gateway.maxInFlight()).toBe(8);

    expect(result.saleId).toBe(SALE_ID);
    expect(result.purchases).toBe(40);
    expect(Object.fromEntries(result.answers)).toEqual({ '202': 5, '409': 35 });
  });

  it('counts shed answers and failed requests instead of failing: a cold shop may shed', async () => {
    const gateway = fakeGateway(2, (i) =>
      i % 2 === 0 ? new Response('{}', { status: 503 }) : new TypeError('fetch failed'),
    );
    const result = await rehearseSale(
      GATEWAY,
      SECRET,
      { buyers: 10, concurrency: 3 },
      gateway.fetchImpl,
    );
    expect(Object.fromEntries(result.answers)).toEqual({ '202': 2, '503': 4, 'no answer': 4 });
  });

  it('fails when the sale cannot be created, saying why', async () => {
    const fetchImpl = (async () => new Response('forbidden', { status: 403 })) as typeof fetch;
    await expect(
      rehearseSale(GATEWAY, SECRET, { buyers: 1, concurrency: 1 }, fetchImpl),
    ).rejects.toThrow(/creating the sale "Rehearsal.*HTTP 403 forbidden/);
  });
});

describe('rehearsalLine', () => {
  it('names each outcome in status order', () => {
    expect(
      rehearsalLine({
        saleId: SALE_ID,
        purchases: 1_000,
        answers: new Map([
          ['409', 930],
          ['202', 50],
          ['503', 12],
          ['no answer', 3],
          ['500', 5],
        ]),
        ms: 3_140,
      }),
    ).toBe('1,000 purchases in 3.1 s: 50 bought, 930 sold out, 5 HTTP 500, 12 shed, 3 no answer');
  });
});
