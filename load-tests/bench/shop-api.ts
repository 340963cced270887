/**
 * The few gateway calls a scenario needs around the load itself: dev tokens, creating a sale,
 * reading a sale and an order. Plain `fetch` (Node's undici) against the public contract in
 * libs/contracts/src/http/api.ts and docs/hot-path.md.
 */
import { sleep } from './children';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly body: string,
  ) {
    super(message);
  }
}

export interface Sale {
  readonly id: string;
  readonly name: string;
  readonly stock: number;
  readonly remainingStock: number;
  readonly perUserLimit: number;
  readonly status: string;
  readonly startsAt: string;
  readonly endsAt: string;
}

export interface Order {
  readonly orderId: string;
  readonly saleId: string;
  readonly quantity: number;
  readonly status: string;
}

export interface NewSale {
  readonly name: string;
  readonly price: number;
  readonly stock: number;
  readonly perUserLimit: number;
  readonly startsAt: string;
  readonly endsAt: string;
}

async function call(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  opts: { token?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(new URL(path, base), {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
  } catch (err) {
    const cause = err instanceof Error ? (err.cause as Error | undefined) : undefined;
    throw new ApiError(
      `${method} ${path}: no answer from ${base} (${cause?.message ?? (err as Error).message})`,
      null,
      '',
    );
  }
  return { status: response.status, text: await response.text() };
}

function expectStatus(
  what: string,
  answer: { status: number; text: string },
  ...ok: number[]
): unknown {
  if (!ok.includes(answer.status))
    throw new ApiError(
      `${what}: HTTP ${answer.status} ${answer.text.slice(0, 300)}`,
      answer.status,
      answer.text,
    );
  try {
    return JSON.parse(answer.text) as unknown;
  } catch {
    throw new ApiError(
      `${what}: answer is not JSON: ${answer.text.slice(0, 200)}`,
      answer.status,
      answer.text,
    );
  }
}

/** The token of a dev-token answer, whatever its field is called (`token`, `accessToken`, …). */
export function tokenOf(answer: unknown): string {
  if (answer && typeof answer === 'object') {
    for (const key of ['token', 'accessToken', 'access_token', 'jwt']) {
      const v = (answer as Record<string, unknown>)[key];
      if (typeof v === 'string' && v.length > 0) return v;
    }
  }
  throw new Error(`dev-token answer has no token: ${JSON.stringify(answer).slice(0, 200)}`);
}

export class ShopApi {
  constructor(readonly base: string) {}

  async devToken(userId: string, role: 'user' | 'admin' = 'user'): Promise<string> {
    const answer = await call(this.base, 'POST', '/api/auth/dev-token', {
      body: { userId, role },
    });
    return tokenOf(expectStatus(`dev token for ${userId}`, answer, 200, 201));
  }

  /** Tokens for many users, `concurrency` requests at a time. */
  devTokens(userIds: readonly string[], concurrency = 16): Promise<string[]> {
    return mapLimit(userIds, concurrency, (id) => this.devToken(id));
  }

  async createSale(adminToken: string, sale: NewSale): Promise<Sale> {
    const answer = await call(this.base, 'POST', '/api/admin/sales', {
      token: adminToken,
      body: sale,
    });
    return expectStatus('create sale', answer, 201, 200) as Sale;
  }

  async sale(saleId: string): Promise<Sale> {
    const answer = await call(this.base, 'GET', `/api/sales/${encodeURIComponent(saleId)}`);
    return expectStatus(`sale ${saleId}`, answer, 200) as Sale;
  }

  async order(token: string, orderId: string): Promise<Order> {
    const answer = await call(this.base, 'GET', `/api/orders/${encodeURIComponent(orderId)}`, {
      token,
    });
    return expectStatus(`order ${orderId}`, answer, 200) as Order;
  }

  /** One purchase (outside the load driver): status and body. */
  async placeOrder(
    token: string,
    saleId: string,
    idempotencyKey?: string,
  ): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
    };
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    const response = await fetch(
      new URL(`/api/sales/${encodeURIComponent(saleId)}/orders`, this.base),
      {
        method: 'POST',
        headers,
        body: JSON.stringify({ quantity: 1 }),
        signal: AbortSignal.timeout(10_000),
      },
    );
    return { status: response.status, text: await response.text() };
  }
}

/** Runs `fn` over `items`, `concurrency` at a time; results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}

/** Creates a sale open from now for 6 hours, and waits (up to 10 s) until it reads as OPEN. */
export async function openSale(
  api: ShopApi,
  admin: string,
  name: string,
  stock: number,
  perUserLimit: number,
): Promise<Sale> {
  const now = Date.now();
  let sale = await api.createSale(admin, {
    name,
    price: 4999,
    stock,
    perUserLimit,
    startsAt: new Date(now - 1000).toISOString(),
    endsAt: new Date(now + 6 * 3_600_000).toISOString(),
  });
  const deadline = Date.now() + 10_000;
  while (sale.status !== 'OPEN') {
    if (Date.now() > deadline) throw new Error(`sale ${sale.id} is ${sale.status}, not OPEN`);
    await sleep(200);
    sale = await api.sale(sale.id);
  }
  return sale;
}
