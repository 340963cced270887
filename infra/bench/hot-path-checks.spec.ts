import { businessChecks, orderIdOf, type CheckInput } from './hot-path-checks';
import { Recorder } from './stats';

function input(overrides: Partial<CheckInput> = {}, accepted = 3): CheckInput {
  const recorder = new Recorder();
  for (let i = 0; i < accepted; i++) recorder.record('accepted', 1);
  for (let i = 0; i < 50; i++) recorder.record('soldOut', 1);
  const orders = Array.from({ length: accepted }, (_, i) => ({ orderId: `o${i}`, user: i }));
  return {
    options: { stock: 3, users: 10, perUserLimit: 1 },
    sale: { id: 'sale-1', stock: 3, perUserLimit: 1 },
    after: { remainingStock: 0, status: 'SOLD_OUT' },
    recorder,
    acceptedByUser: new Map(orders.map((o) => [o.user, 1])),
    orders,
    malformed: [],
    readOrder: () => Promise.resolve({ saleId: 'sale-1', quantity: 1 }),
    ...overrides,
  };
}

const failed = async (i: CheckInput): Promise<string[]> =>
  (await businessChecks(i)).filter((c) => !c.ok).map((c) => c.name);

describe('orderIdOf', () => {
  it('reads the order id of a 202 body', () => {
    expect(orderIdOf('{"orderId":"abc","status":"PENDING"}')).toBe('abc');
    expect(orderIdOf('{"orderId":""}')).toBeNull();
    expect(orderIdOf('{}')).toBeNull();
    expect(orderIdOf('nope')).toBeNull();
  });
});

describe('businessChecks', () => {
  it('passes a clean sell-out', async () => {
    const checks = await businessChecks(input());
    expect(checks.map((c) => [c.name, c.ok])).toEqual([
      ['accepted == stock', true],
      ['per-user limit held', true],
      ['order ids unique and present', true],
      ['sale remainingStock', true],
      ['accepted orders readable by their owner', true],
      ['zero 5xx', true],
      ['zero transport errors', true],
    ]);
  });

  it('catches an oversell', async () => {
    const i = input({ after: { remainingStock: -1, status: 'SOLD_OUT' } }, 4);
    expect(await failed(i)).toEqual(['accepted == stock', 'sale remainingStock']);
  });

  it('catches an undersell and says why', async () => {
    const recorder = new Recorder();
    recorder.record('accepted', 1);
    const checks = await businessChecks(
      input({
        recorder,
        orders: [{ orderId: 'o0', user: 0 }],
        acceptedByUser: new Map([[0, 1]]),
        after: { remainingStock: 2, status: 'OPEN' },
      }),
    );
    const first = checks[0];
    expect(first.ok).toBe(false);
    expect(first.detail).toContain('the sale did not sell out');
    expect(checks.find((c) => c.name === 'sale remainingStock')?.ok).toBe(false);
  });

  it('expects only users × perUserLimit when that is below the stock', async () => {
    const i = input(
      {
        options: { stock: 3, users: 2, perUserLimit: 1 },
        after: { remainingStock: 1, status: 'OPEN' },
      },
      2,
    );
    expect(await failed(i)).toEqual([]);
  });

  it('catches a user above the limit, duplicate ids and bodies without ids', async () => {
    const i = input({
      acceptedByUser: new Map([
        [0, 2],
        [1, 1],
      ]),
      orders: [
        { orderId: 'o0', user: 0 },
        { orderId: 'o0', user: 0 },
      ],
      malformed: ['{}'],
    });
    expect(await failed(i)).toEqual(['per-user limit held', 'order ids unique and present']);
  });

  it('catches orders that cannot be read back or belong elsewhere', async () => {
    let n = 0;
    const i = input({
      readOrder: () => {
        n += 1;
        if (n === 1) return Promise.reject(new Error('order o0: HTTP 404'));
        if (n === 2) return Promise.resolve({ saleId: 'other', quantity: 1 });
        return Promise.resolve({ saleId: 'sale-1', quantity: 1 });
      },
    });
    const check = (await businessChecks(i)).find(
      (c) => c.name === 'accepted orders readable by their owner',
    );
    expect(check?.ok).toBe(false);
    expect(check?.detail).toMatch(/^2 of 3 failed/);
  });

  it('fails on 5xx, transport errors and unexpected 2xx', async () => {
    const i = input();
    i.recorder.record('serverError', 1, 503, 'UPSTREAM_UNAVAILABLE');
    i.recorder.recordError('ETIMEDOUT');
    i.recorder.record('ok', 1);
    const checks = await businessChecks(i);
    expect(checks.filter((c) => !c.ok).map((c) => [c.name, c.detail])).toEqual([
      ['zero 5xx', '1: 503 UPSTREAM_UNAVAILABLE ×1'],
      ['zero transport errors', 'ETIMEDOUT ×1'],
      ['no unexpected 2xx', '1 answers 2xx other than 202'],
    ]);
  });
});
