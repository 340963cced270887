import { DynamicModule, Global, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { ServiceLogger } from '@seckill/observability';
import { ReadinessRegistry } from '@seckill/service-kit';

export interface RedisModuleOptions {
  readonly url: string;
  /**
   * ioredis auto-pipelining: commands issued in one event-loop turn leave in one write (the
   * gateway's buckets and replay lookups under a crowd). Off by default.
   */
  readonly autoPipelining?: boolean;
}

/** The service's Redis connection. Lua scripts for admission and rate limits live beside it. */
@Injectable()
export class RedisConnection implements OnApplicationShutdown {
  readonly client: Redis;

  constructor(options: RedisModuleOptions, logger: ServiceLogger, readiness: ReadinessRegistry) {
    this.client = new Redis(options.url, {
      lazyConnect: false,
      // Fail a command fast while Redis is down instead of queueing it behind a reconnect.
      maxRetriesPerRequest: 1,
      enableOfflineQueue: true,
      connectTimeout: 3000,
      enableAutoPipelining: options.autoPipelining ?? false,
      // RESP2, as every script and reply here was written and tested against (ioredis 6 speaks
      // RESP3 by default, where a Lua false, for one, comes back as 0 instead of null).
      protocol: 2,
      // Back within 2 s of Redis returning, as before ioredis 6 (its default waits up to 5.2 s):
      // admission is down for as long as this connection is.
      retryStrategy: (attempt) => Math.min(attempt * 50, 2000),
    });
    // Log transitions, not every reconnect attempt: a Redis outage must not flood the logs.
    let healthy = true;
    this.client.on('ready', () => {
      if (!healthy) logger.info({}, 'redis connection restored');
      healthy = true;
    });
    this.client.on('error', (error: Error) => {
      if (healthy) logger.warn({ err: error }, 'redis connection lost; reconnecting');
      healthy = false;
    });
    readiness.register('redis', async () => {
      const answer = await this.client.ping();
      if (answer !== 'PONG') throw new Error(`unexpected PING answer: ${answer}`);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}

@Global()
@Module({})
export class RedisModule {
  static forRoot(options: RedisModuleOptions): DynamicModule {
    return {
      module: RedisModule,
      providers: [
        {
          provide: RedisConnection,
          inject: [ServiceLogger, ReadinessRegistry],
          useFactory: (logger: ServiceLogger, readiness: ReadinessRegistry) =>
            new RedisConnection(options, logger, readiness),
        },
      ],
      exports: [RedisConnection],
    };
  }
}
