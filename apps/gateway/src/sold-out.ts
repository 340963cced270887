import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ServiceLogger } from '@seckill/observability';
import { STOCK_CHANNEL, stockSignal } from '@seckill/redis';

/**
 * The sales this gateway knows to be sold out, so it can answer 409 without calling
 * order-service. Learned from the stock channel and from order-service's own 409 SOLD_OUT
 * answers; forgotten on `soldOut: false`.
 *
 * Forgetting is always safe (order-service still knows the truth), remembering wrongly is not,
 * so every doubt resolves to forgetting:
 * - a 409 counts only if no sale came back while that request was in flight: a restock message
 *   that overtook the answer bumps the generation, and the stale answer is ignored;
 * - only while the channel is heard: pub/sub is fire-and-forget, so when the subscription
 *   drops, everything is forgotten and nothing is learned from answers until it is back.
 */
@Injectable()
export class SoldOutSales {
  private readonly sales = new Set<string>();
  private generation = 0;
  private listening = false;

  /** Whether the stock channel is heard, so sales are remembered at all. */
  get isListening(): boolean {
    return this.listening;
  }

  has(saleId: string): boolean {
    return this.sales.has(saleId);
  }

  get size(): number {
    return this.sales.size;
  }

  /** Taken before forwarding a request; handed back with its answer to `learnFromAnswer`. */
  snapshot(): number {
    return this.generation;
  }

  /** order-service answered 409 SOLD_OUT to a request sent at `snapshot`. */
  learnFromAnswer(saleId: string, snapshot: number): void {
    if (this.listening && snapshot === this.generation) this.sales.add(saleId);
  }

  /** A message from the stock channel. */
  apply(saleId: string, soldOut: boolean): void {
    if (soldOut) {
      this.sales.add(saleId);
    } else {
      this.sales.delete(saleId);
      this.generation += 1;
    }
  }

  /**
   * Forgets a sale no request was ever forwarded for (the warm-up's): unlike a restock, no
   * answer in flight can be stale, so the generation stays.
   */
  forget(saleId: string): void {
    this.sales.delete(saleId);
  }

  /** The subscription is confirmed: start from nothing, nothing missed can linger. */
  startListening(): void {
    this.forgetAll();
    this.listening = true;
  }

  /** The subscription is gone: messages may be missed from now on. */
  stopListening(): void {
    this.forgetAll();
    this.listening = false;
  }

  private forgetAll(): void {
    this.sales.clear();
    this.generation += 1;
  }
}

/**
 * Feeds a SoldOutSales from the stock channel, over a connection of its own (a subscribed
 * connection can run no other command). It subscribes itself on every (re)connect, instead of
 * ioredis's auto-resubscribe, so it knows when the subscription is live again.
 */
export class StockChannelListener implements OnApplicationShutdown {
  private healthy = true;

  constructor(
    private readonly connection: Redis,
    private readonly sales: SoldOutSales,
    private readonly logger: ServiceLogger,
  ) {
    connection.on('ready', () => void this.subscribe());
    connection.on('close', () => this.sales.stopListening());
    connection.on('message', (channel: string, message: string) => {
      if (channel === STOCK_CHANNEL) this.receive(message);
    });
    connection.on('error', (error: Error) => {
      if (this.healthy) logger.warn({ err: error }, 'stock channel connection lost; reconnecting');
      this.healthy = false;
    });
  }

  async close(): Promise<void> {
    this.sales.stopListening();
    await this.connection.quit().catch(() => this.connection.disconnect());
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  private async subscribe(): Promise<void> {
    try {
      await this.connection.subscribe(STOCK_CHANNEL);
    } catch (error) {
      // The connection dropped again; the next 'ready' retries.
      this.logger.warn({ err: error }, 'could not subscribe to the stock channel');
      return;
    }
    this.sales.startListening();
    if (!this.healthy) this.logger.info({}, 'stock channel subscription restored');
    this.healthy = true;
  }

  private receive(message: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      parsed = undefined;
    }
    const signal = stockSignal.safeParse(parsed);
    if (!signal.success) {
      this.logger.warn({ message: message.slice(0, 200) }, 'ignored a malformed stock signal');
      return;
    }
    this.sales.apply(signal.data.saleId, signal.data.soldOut);
  }
}
