/**
 * The rejected paths, the answers most of a flash-sale crowd gets: sold out (the gateway answers
 * from memory) and rate limited (one Redis round trip, the token-bucket script). Their target is
 * a share of the HTTP ceiling; the gateway's shed counter checks what each run measured.
 */
import { HOST } from '../../engine/infra';
import type { HttpFigure } from '../report';
import type { MeteredRun } from './context';
import { flatOut } from './measure';
import { PORTS, startGateway, TINY_GLOBAL_LIMIT } from './processes';
import type { BenchShop } from './setup';

/** The sold-out sale through the bench gateway: 409 from its local sold-out set. */
export async function measureSoldOut(run: MeteredRun, shop: BenchShop): Promise<HttpFigure> {
  run.log('');
  run.log('rejected path, sold out: the gateway answers 409 from its local sold-out set');
  return flatOut(
    run,
    'sold out (gateway fast path)',
    shop.base,
    shop.requests(shop.soldOutSale),
    'soldOut',
    'sold-out run',
  );
}

/** A second gateway whose global bucket holds one token a second: nearly every answer is 429. */
export async function measureRateLimited(run: MeteredRun, shop: BenchShop): Promise<HttpFigure> {
  run.log('');
  run.log(
    `rejected path, rate limited: a gateway on :${PORTS.gatewayTinyRate} with a global bucket of 1/s`,
  );
  const tiny = await startGateway(
    run,
    PORTS.gatewayTinyRate,
    TINY_GLOBAL_LIMIT,
    'gateway-bench-tiny-rate',
  );
  run.cpuLabels.set(tiny.pid, 'gateway (bench)');
  const figure = await flatOut(
    run,
    'rate limited (token buckets, Redis Lua)',
    `http://${HOST}:${PORTS.gatewayTinyRate}`,
    shop.requests(shop.limitedSale),
    'rateLimited',
    'rate-limited run (a second bench gateway with RATE_LIMIT_GLOBAL_RATE=1 RATE_LIMIT_GLOBAL_BURST=1: about one request a second passes, the rest get 429 from the token-bucket script)',
  );
  await tiny.stop();
  return figure;
}
