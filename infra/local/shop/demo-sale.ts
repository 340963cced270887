import fs from 'node:fs';
import path from 'node:path';
import { JwtCodec } from '@seckill/auth';
import { SaleResponse } from '@seckill/contracts';

/**
 * `npm run shop` seeds one open sale so a new user can buy something at once. The sale is
 * created through the gateway (createOpenSale), and remembered in .data/shop/demo-sale.json so a second `shop up`
 * reuses it while it is still open.
 */
export const DEMO_SALE = {
  name: 'Demo flash sale: mechanical keyboard',
  price: 9900,
  stock: 100,
  perUserLimit: 1,
  /** Hours the sale stays open from its creation. */
  openForHours: 24,
} as const;

export interface DemoSale {
  readonly sale: SaleResponse;
  readonly created: boolean;
}

type Fetch = typeof fetch;

export async function ensureDemoSale(
  gatewayUrl: string,
  dataDir: string,
  jwtSecret: string,
  fetchImpl: Fetch = fetch,
  now: Date = new Date(),
): Promise<DemoSale> {
  const stateFile = path.join(dataDir, 'shop', 'demo-sale.json');
  const remembered = readRemembered(stateFile);
  if (remembered) {
    const response = await fetchImpl(`${gatewayUrl}/api/sales/${encodeURIComponent(remembered)}`);
    if (response.ok) {
      const sale = (await response.json()) as SaleResponse;
      if (sale.status === 'OPEN' || sale.status === 'SOLD_OUT') return { sale, created: false };
    }
  }
  const sale = await createOpenSale(
    gatewayUrl,
    jwtSecret,
    {
      name: DEMO_SALE.name,
      price: DEMO_SALE.price,
      stock: DEMO_SALE.stock,
      perUserLimit: DEMO_SALE.perUserLimit,
      openForMs: DEMO_SALE.openForHours * 3_600_000,
    },
    fetchImpl,
    now,
  );
  fs.mkdirSync(path.dirname(stateFile), { recursive: true });
  fs.writeFileSync(stateFile, `${JSON.stringify({ saleId: sale.id }, null, 2)}\n`);
  return { sale, created: true };
}

export interface OpenSale {
  readonly name: string;
  readonly price: number;
  readonly stock: number;
  readonly perUserLimit: number;
  /** How long the sale stays open from `now`. */
  readonly openForMs: number;
}

/**
 * Creates a sale that is open at once, through the gateway like any admin would (the token is
 * signed with the local development secret).
 */
export async function createOpenSale(
  gatewayUrl: string,
  jwtSecret: string,
  { name, price, stock, perUserLimit, openForMs }: OpenSale,
  fetchImpl: Fetch = fetch,
  now: Date = new Date(),
): Promise<SaleResponse> {
  const token = new JwtCodec(jwtSecret).sign({ userId: 'shop-admin', role: 'admin' });
  const response = await fetchImpl(`${gatewayUrl}/api/admin/sales`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name,
      price,
      stock,
      perUserLimit,
      startsAt: new Date(now.getTime() - 60_000).toISOString(),
      endsAt: new Date(now.getTime() + openForMs).toISOString(),
    }),
  });
  if (response.status !== 201) {
    throw new Error(
      `creating the sale "${name}" failed: HTTP ${response.status} ${await response.text()}`,
    );
  }
  return (await response.json()) as SaleResponse;
}

function readRemembered(stateFile: string): string | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { saleId?: unknown };
    return typeof parsed.saleId === 'string' ? parsed.saleId : undefined;
  } catch {
    return undefined;
  }
}

/** The lines printed under the status table: the sale, and how to buy from it with curl. */
export function demoSaleHint(gatewayUrl: string, { sale, created }: DemoSale): string[] {
  return [
    `Demo sale ${created ? 'created' : 'reused'}: ${sale.id} "${sale.name}" (${sale.remainingStock}/${sale.stock} left, limit ${sale.perUserLimit} per user)`,
    `  TOKEN=$(curl -s -X POST ${gatewayUrl}/api/auth/dev-token -H 'content-type: application/json' -d '{"userId":"u-1"}' | sed 's/.*"token":"\\([^"]*\\)".*/\\1/')`,
    `  curl -s -X POST ${gatewayUrl}/api/sales/${sale.id}/orders -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"quantity":1}'`,
  ];
}
