import { setTimeout as sleep } from 'node:timers/promises';
import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { SaleFlow } from '@seckill/contracts';
import { ServiceLogger } from '@seckill/observability';
import { loadSaleStock, RedisConnection } from '@seckill/redis';
import { OrderDatabase } from '../database';
import { stockSnapshot } from './sale-view';

const RETRY_MS = 5000;

/**
 * On start, loads into Redis every sale that has not ended and whose stock is not there (a
 * fresh or reset Redis, a crash between the sale's commit and its load). Idempotent: a sale
 * that is selling keeps its stock (`SET NX`). Retries in the background until Postgres and
 * Redis both answer; the service does not wait for it to listen.
 */
@Injectable()
export class SaleStockLoader implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger: ServiceLogger;
  private running: Promise<void> | undefined;
  private readonly stopping = new AbortController();

  constructor(
    private readonly db: OrderDatabase,
    private readonly redis: RedisConnection,
    logger: ServiceLogger,
  ) {
    this.logger = logger.child({ component: 'sale-stock-loader' });
  }

  onApplicationBootstrap(): void {
    this.running = this.loadUntilDone();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  /** Resolves with how many sales were loaded now (the others were in Redis already). */
  async loadLiveSales(): Promise<number> {
    // Sync sales (the baseline, ADR 0012) are never in Redis.
    const live = await this.db.sale.findMany({
      where: { endsAt: { gt: new Date() }, flow: SaleFlow.Events },
    });
    let loaded = 0;
    for (const sale of live) {
      if (await loadSaleStock(this.redis.client, stockSnapshot(sale))) loaded += 1;
    }
    this.logger.info({ live: live.length, loaded }, 'live sales checked in Redis');
    return loaded;
  }

  private async loadUntilDone(): Promise<void> {
    const { signal } = this.stopping;
    while (!signal.aborted) {
      try {
        await this.loadLiveSales();
        return;
      } catch (error) {
        this.logger.warn({ err: error }, `could not load live sales; retrying in ${RETRY_MS} ms`);
        await sleep(RETRY_MS, undefined, { signal }).catch(() => undefined);
      }
    }
  }
}
