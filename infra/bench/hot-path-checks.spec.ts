import { businessChecks, orderIdOf, type CheckInput } from './hot-path-checks';
import { Recorder } from './stats';

type Sale = { remainingStock: number; status: string };

function input(overrides: Partial<CheckInput> = {}, accepted = 3): CheckInput {
  const recorder = new Recorder();
  for (let i = 0; i < accepted; i++) recorder.record('accepted', 1);
  for (let i = 0; i < 50; i++) recorder.record('soldOut', 1);
  const orders = Array.from({ length: accepted }, (_, i) => ({ orderId: `o${i}`, user: i }));
  return {
    options: { stock: 3, users: 10, perUserLimit: 1 },
    sale: { id: 'sale-1', stock: 3, perUserLimit: 1 },
    recorder,
    orders,
    malformed: [],
    readOrder: () => Promise.resolve({ saleId: 'sale-1', quantity: 1, status: 'SHIPPED' }),
    readSale: () => Promise.resolve<Sale>({ remainingStock: 0, status: 'SOLD_OUT' }),
    settleTimeoutMs: 0,
    settleIntervalMs: 1,
    ...overrides,
  };
}

/** Orders with these statuses, by order id o0, o1, ... */
const statuses =
  (...list: string[]) =>
  (o: { orderId: string }) =>
    Promise.resolve({
      saleId: 'sale-1',
      quantity: 1,
      status: list[Number(o.orderId.slice(1))] ?? 'SHIPPED',
    });

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
      ['every unit sold', true],
      ['per-user limit held', true],
      ['order ids unique and present', true],
      ['stock conserved', true],
      ['accepted orders readable by their owner', true],
      ['zero 5xx', true],
      ['zero transport errors', true],
    ]);
  });

  it('counts a unit that a failed payment gave back and that was sold again', async () => {
    // 4 accepted for 3 units: o1's payment failed, its unit went back and o3 bought it.
    const i = input({ readOrder: statuses('SHIPPED', 'FAILED', 'SHIPPED', 'SHIPPED') }, 4);
    const checks = await businessChecks(i);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks.find((c) => c.name === 'every unit sold')?.detail).toContain(
      '1 released by the saga and sold again',
    );
  });

  it('lets a buyer whose first order failed keep a second one', async () => {
    const i = input(
      {
        orders: [
          { orderId: 'o0', user: 7 },
          { orderId: 'o1', user: 1 },
          { orderId: 'o2', user: 2 },
          { orderId: 'o3', user: 7 },
        ],
        readOrder: statuses('CANCELLED', 'SHIPPED', 'SHIPPED', 'SHIPPED'),
      },
      4,
    );
    expect(await failed(i)).toEqual([]);
  });

  it('catches an oversell: more units kept than the stock', async () => {
    const i = input(
      { readSale: () => Promise.resolve({ remainingStock: -1, status: 'SOLD_OUT' }) },
      4,
    );
    expect(await failed(i)).toEqual(['stock conserved']);
  });

  it('catches a lost unit: a released order whose unit never came back', async () => {
    const i = input({ readOrder: statuses('SHIPPED', 'FAILED', 'SHIPPED') });
    const check = (await businessChecks(i)).find((c) => c.name === 'stock conserved');
    expect(check?.ok).toBe(false);
    expect(check?.detail).toContain('2 kept + 0 left = 2 of 3');
  });

  it('waits for orders still in flight, and fails if they never settle', async () => {
    let reads = 0;
    const settling = input({
      readOrder: () => {
        reads += 1;
        return Promise.resolve({
          saleId: 'sale-1',
          quantity: 1,
          status: reads <= 3 ? 'RESERVED' : 'SHIPPED',
        });
      },
      settleTimeoutMs: 5_000,
    });
    expect(await failed(settling)).toEqual([]);
    expect(reads).toBe(6);

    const stuck = input({ readOrder: statuses('PENDING') });
    const check = (await businessChecks(stuck)).find((c) => c.name === 'stock conserved');
    expect(check?.ok).toBe(false);
    expect(check?.detail).toContain('1 order(s) not terminal');
  });

  it('catches an undersell and says why', async () => {
    const recorder = new Recorder();
    recorder.record('accepted', 1);
    const checks = await businessChecks(
      input({
        recorder,
        orders: [{ orderId: 'o0', user: 0 }],
        readSale: () => Promise.resolve({ remainingStock: 2, status: 'OPEN' }),
      }),
    );
    const first = checks[0];
    expect(first.ok).toBe(false);
    expect(first.detail).toContain('the sale did not sell out');
    expect(checks.find((c) => c.name === 'stock conserved')?.ok).toBe(true);
  });

  it('expects only users × perUserLimit when that is below the stock', async () => {
    const i = input(
      {
        options: { stock: 3, users: 2, perUserLimit: 1 },
        readSale: () => Promise.resolve({ remainingStock: 1, status: 'OPEN' }),
      },
      2,
    );
    expect(await failed(i)).toEqual([]);
  });

  it('catches a user above the limit, duplicate ids and bodies without ids', async () => {
    const i = input({
      orders: [
        { orderId: 'o0', user: 0 },
        { orderId: 'o1', user: 0 },
        { orderId: 'o1', user: 0 },
      ],
      malformed: ['{}'],
    });
    // The repeated id also leaves a unit unaccounted for.
    expect(await failed(i)).toEqual([
      'per-user limit held',
      'order ids unique and present',
      'stock conserved',
    ]);
  });

  it('catches orders that cannot be read back or belong elsewhere', async () => {
    let n = 0;
    const i = input({
      readOrder: () => {
        n += 1;
        if (n === 1) return Promise.reject(new Error('order o0: HTTP 404'));
        if (n === 2) return Promise.resolve({ saleId: 'other', quantity: 1, status: 'SHIPPED' });
        return Promise.resolve({ saleId: 'sale-1', quantity: 1, status: 'SHIPPED' });
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
