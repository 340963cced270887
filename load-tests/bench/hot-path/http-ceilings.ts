/**
 * The HTTP ceiling: what this machine and this load driver reach against a server that does
 * nothing, with the same requests as the shop's runs. The brief's targets are ratios to it. The
 * framework floor (a bare Fastify route) is a reference with no target: what is left of the
 * ceiling once a framework parses the request.
 */
import { HOST } from '../../engine/infra';
import type { HttpFigure } from '../report';
import type { MeteredRun } from './context';
import { flatOut } from './measure';
import { PORTS, startCeilingServer } from './processes';
import type { BenchShop } from './setup';

/** A bare node:http server on :3190, flat out; the sold-out sale's requests. */
export async function measureHttpCeiling(run: MeteredRun, shop: BenchShop): Promise<HttpFigure> {
  run.log('');
  run.log(`HTTP ceiling: bare node:http server on :${PORTS.ceiling}`);
  const server = await startCeilingServer(run, 'node', 'ceiling server', 'ceiling-server.log');
  const figure = await flatOut(
    run,
    'HTTP ceiling (bare node:http)',
    `http://${HOST}:${PORTS.ceiling}`,
    shop.requests(shop.soldOutSale),
    'ok',
  );
  await server.stop();
  return figure;
}

/** The same on a bare Fastify route (the framework under the services' NestJS). */
export async function measureFrameworkFloor(run: MeteredRun, shop: BenchShop): Promise<HttpFigure> {
  run.log('');
  run.log(`framework floor (reference): bare Fastify route on :${PORTS.ceiling}`);
  const server = await startCeilingServer(run, 'fastify', 'fastify floor', 'fastify-floor.log');
  const figure = await flatOut(
    run,
    'framework floor (bare Fastify, reference)',
    `http://${HOST}:${PORTS.ceiling}`,
    shop.requests(shop.soldOutSale),
    'ok',
  );
  await server.stop();
  return figure;
}
