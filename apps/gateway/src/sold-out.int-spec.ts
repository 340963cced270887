import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { ServiceLogger } from '@seckill/observability';
import { STOCK_CHANNEL } from '@seckill/redis';
import { testEndpoints, uniqueName, waitFor } from '@seckill/testing';
import { SoldOutSales, StockChannelListener } from './sold-out';

/** The sold-out set fed by the real stock channel of a real Redis. */
const { redisUrl } = testEndpoints();
const publisher = new Redis(redisUrl);
const logLines: string[] = [];
const logger = ServiceLogger.create(
  'gateway-it',
  'info',
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString());
      done();
    },
  }),
);

let sales: SoldOutSales;
let listener: StockChannelListener;
let connectionName: string;

beforeEach(async () => {
  sales = new SoldOutSales();
  connectionName = uniqueName('stock-channel-it');
  listener = new StockChannelListener(
    new Redis(redisUrl, { autoResubscribe: false, connectionName }),
    sales,
    logger,
  );
  await waitFor(() => sales.isListening, 'the stock channel subscription');
});

afterEach(() => listener.close());

afterAll(() => publisher.quit());

/** The id of this test's subscriber connection (only that one is killed: Redis is shared). */
async function clientId(name: string): Promise<string | undefined> {
  const clients = String(await publisher.client('LIST')).split('\n');
  return /\bid=(\d+)\b/.exec(clients.find((c) => c.includes(` name=${name} `)) ?? '')?.[1];
}

const announce = (saleId: string, soldOut: boolean) =>
  publisher.publish(STOCK_CHANNEL, JSON.stringify({ saleId, soldOut }));

describe('the sold-out set on the stock channel', () => {
  it('remembers a sale announced sold out and forgets it on soldOut:false', async () => {
    const saleId = uniqueName('sale');
    await announce(saleId, true);
    await waitFor(() => sales.has(saleId), `${saleId} to be known sold out`);
    await announce(saleId, false);
    await waitFor(() => !sales.has(saleId), `${saleId} to be forgotten`);
    expect(sales.size).toBe(0);
  });

  it('ignores malformed messages and keeps listening', async () => {
    const saleId = uniqueName('sale');
    await publisher.publish(STOCK_CHANNEL, 'not json');
    await publisher.publish(STOCK_CHANNEL, JSON.stringify({ saleId, soldOut: 'yes' }));
    await announce(saleId, true);
    await waitFor(() => sales.has(saleId), `${saleId} to be known sold out`);
    expect(sales.size).toBe(1);
    expect(logLines.join('')).toContain('ignored a malformed stock signal');
  });

  it('forgets everything when its connection drops, and listens again after reconnecting', async () => {
    const saleId = uniqueName('sale');
    await announce(saleId, true);
    await waitFor(() => sales.has(saleId), `${saleId} to be known sold out`);

    // What was published while it was away may be missed: it must not trust what it knew.
    const id = await clientId(connectionName);
    expect(await publisher.client('KILL', 'ID', id!)).toBe(1);
    await waitFor(() => !sales.has(saleId), 'the sold-out set to be cleared');
    await waitFor(
      async () => sales.isListening && ((await clientId(connectionName)) ?? id) !== id,
      'the subscription to come back on a new connection',
    );

    const next = uniqueName('sale');
    await announce(next, true);
    await waitFor(() => sales.has(next), `${next} to be known sold out after the reconnect`);
  });
});
