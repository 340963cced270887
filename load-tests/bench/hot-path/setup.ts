/**
 * The shop side of the HTTP runs: checks that the shop is there, starts the bench gateway, and
 * creates what the requests need (users with dev tokens, and one sale per path: one sold out,
 * one with stock for the accepted path, one for the rate-limited run).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HOST, httpGet, serviceSpec } from '../../engine/infra';
import type { Child } from '../children';
import type { RequestSpec } from '../driver';
import { openSale, ShopApi, type Sale } from '../shop-api';
import type { HotPathRun } from './context';
import { purchaseRequests } from './measure';
import { GENEROUS_LIMITS, PORTS, startGateway } from './processes';

/** What the HTTP phases send to, and with. */
export interface BenchShop {
  /** The bench gateway with generous limits (:3180); stopped after the accepted path. */
  readonly gateway: Child;
  /** Its base URL. */
  readonly base: string;
  readonly api: ShopApi;
  /** Tells this run's users, sales and idempotency keys from earlier runs'. */
  readonly runId: string;
  /** An admin's token (to open sales). */
  readonly admin: string;
  /** The users' tokens. */
  readonly tokens: readonly string[];
  /** One unit, bought: every purchase is 409 SOLD_OUT, and the gateway knows it. */
  readonly soldOutSale: Sale;
  /** Stock 10,000,000, perUserLimit 100: every purchase is accepted. */
  readonly acceptedSale: Sale;
  readonly limitedSale: Sale;
  /** A fresh request source for a sale (each run starts its idempotency keys at 0). */
  readonly requests: (sale: Sale) => () => RequestSpec;
}

/** Fails early, with what to do, when the shop or its build is missing. */
async function checkShop(run: HotPathRun): Promise<void> {
  const { opts } = run;
  const order = await httpGet(`${opts.orderServiceUrl}/health/ready`, 3000);
  if (order.status !== 200)
    throw new Error(
      `order-service is not ready at ${opts.orderServiceUrl} (${order.status ?? order.error}); start the shop: npm run shop -- --detach`,
    );
  const entry = path.join(run.root, serviceSpec('gateway').entry);
  if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: run npm run compile`);
}

/** Starts the bench gateway and creates the users and the sales; checks the sold-out sale is. */
export async function setUpShop(run: HotPathRun): Promise<BenchShop> {
  const { opts, log } = run;
  await checkShop(run);

  log('');
  log(
    `starting the bench gateway on :${PORTS.gateway} (generous limits) → ${opts.orderServiceUrl}`,
  );
  const gateway = await startGateway(run, PORTS.gateway, GENEROUS_LIMITS, 'gateway-bench');
  run.cpuLabels.set(gateway.pid, 'gateway (bench)');
  const base = `http://${HOST}:${PORTS.gateway}`;
  const api = new ShopApi(base);
  const runId = Date.now().toString(36);
  const admin = await api.devToken(`bench-admin-${runId}`, 'admin');
  const t0 = Date.now();
  const userIds = Array.from({ length: opts.users }, (_, i) => `bench-${runId}-${i}`);
  const tokens = await api.devTokens(userIds, 32);
  log(`  ${tokens.length} user tokens in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const soldOutSale = await openSale(api, admin, `bench sold-out ${runId}`, 1, 1);
  const first = await api.placeOrder(tokens[0], soldOutSale.id);
  const second = await api.placeOrder(tokens[1 % tokens.length], soldOutSale.id);
  if (first.status !== 202 || second.status !== 409)
    throw new Error(
      `sold-out sale: expected 202 then 409, got ${first.status} then ${second.status} ${second.text}`,
    );
  const acceptedSale = await openSale(api, admin, `bench accepted ${runId}`, 10_000_000, 100);
  const limitedSale = await openSale(api, admin, `bench rate-limited ${runId}`, 10_000_000, 100);
  log(
    `  sales: sold out ${soldOutSale.id}, accepted ${acceptedSale.id}, rate-limited ${limitedSale.id}`,
  );
  const requests = (sale: Sale): (() => RequestSpec) =>
    purchaseRequests(sale.id, tokens, `${runId}-${sale.id.slice(0, 8)}`);
  return {
    gateway,
    base,
    api,
    runId,
    admin,
    tokens,
    soldOutSale,
    acceptedSale,
    limitedSale,
    requests,
  };
}
