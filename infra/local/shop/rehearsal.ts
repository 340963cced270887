import { JwtCodec } from '@seckill/auth';
import { HotPathHeader } from '@seckill/contracts';
import { createOpenSale } from './demo-sale';

/**
 * Before `npm run shop` says "ready" it rehearses a small flash sale through the gateway, so
 * the crowd a user fires next meets a warm shop. A just-started shop runs its code cold (V8 has
 * not compiled the hot functions yet, pools and caches are empty): the first 2,000-buyer burst
 * cost ~1,200 µs of hot-path CPU per answer instead of ~350, answered in up to 1.6–2.7 s instead
 * of 0.6–1.2 s, and shed 60–600 buyers as 503 OVERLOADED (docs/benchmarks.md). The gateway warms
 * its own door before it is ready (WARM_UP_REQUESTS), but only a real sale warms admission, the
 * Kafka hand-off and the saga. The rehearsal is that sale, small and labelled: its orders are
 * real and go through payment and shipping like any other.
 */
export const REHEARSAL = {
  name: 'Rehearsal: warms the shop up before "ready" (npm run shop)',
  price: 1,
  stock: 50,
  perUserLimit: 1,
  /** One purchase each: 50 bought, the rest sold out (or limited, or shed while cold). */
  buyers: 2_000,
  /** Purchases in flight at once: enough to fill order-service's concurrency limit. */
  concurrency: 128,
  openForMs: 10 * 60_000,
} as const;

export interface RehearsalOptions {
  readonly buyers: number;
  readonly concurrency: number;
}

export interface RehearsalResult {
  readonly saleId: string;
  readonly purchases: number;
  /** Answers by HTTP status, "no answer" for a request that failed without one. */
  readonly answers: ReadonlyMap<string, number>;
  readonly ms: number;
}

type Fetch = typeof fetch;

/**
 * Creates the rehearsal sale and sends one purchase per buyer, `concurrency` at a time, each
 * with its own token and Idempotency-Key. Never fails on an answer: a cold shop may shed some
 * buyers, and that is what the rehearsal is for. It fails only if the sale cannot be created.
 */
export async function rehearseSale(
  gatewayUrl: string,
  jwtSecret: string,
  options: RehearsalOptions = REHEARSAL,
  fetchImpl: Fetch = fetch,
  now: () => number = Date.now,
): Promise<RehearsalResult> {
  const started = now();
  const sale = await createOpenSale(gatewayUrl, jwtSecret, REHEARSAL, fetchImpl);
  const codec = new JwtCodec(jwtSecret);
  const answers = new Map<string, number>();
  const count = (answer: string): void => {
    answers.set(answer, (answers.get(answer) ?? 0) + 1);
  };

  const purchase = async (buyer: number): Promise<void> => {
    const token = codec.sign({ userId: `rehearsal-${sale.id}-u${buyer}`, role: 'user' });
    try {
      const response = await fetchImpl(`${gatewayUrl}/api/sales/${sale.id}/orders`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          [HotPathHeader.IdempotencyKey]: `rehearsal-${sale.id}-${buyer}`,
        },
        body: '{"quantity":1}',
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      count(String(response.status));
    } catch {
      count('no answer');
    }
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < options.buyers) await purchase(next++);
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.buyers) }, worker));
  return { saleId: sale.id, purchases: options.buyers, answers, ms: now() - started };
}

const STATUS_WORDS: Readonly<Record<string, string>> = {
  '202': 'bought',
  '409': 'sold out',
  '429': 'rate limited',
  '503': 'shed',
  'no answer': 'no answer',
};

/** "50 bought, 938 sold out, 12 shed" in status order, unknown statuses by number. */
export function rehearsalLine({ answers, purchases, ms }: RehearsalResult): string {
  const parts = [...answers.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([status, n]) => `${n.toLocaleString('en-US')} ${STATUS_WORDS[status] ?? `HTTP ${status}`}`,
    );
  return `${purchases.toLocaleString('en-US')} purchases in ${(ms / 1000).toFixed(1)} s: ${parts.join(', ')}`;
}
