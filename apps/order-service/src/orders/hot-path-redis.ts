import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ServiceLogger } from '@seckill/observability';
import { RedisConnection } from '@seckill/redis';

/**
 * The purchase path's own Redis connection, with auto-pipelining: the commands that concurrent
 * requests issue in one event-loop turn (their admission scripts, the stream deletions) leave in
 * one write and come back in one read, instead of a system call each. Same server and options as
 * the service's connection; a dedicated one so nothing else queues in front of a purchase.
 */
@Injectable()
export class HotPathRedis implements OnApplicationShutdown {
  readonly client: Redis;

  constructor(connection: RedisConnection, logger: ServiceLogger) {
    this.client = connection.client.duplicate({ enableAutoPipelining: true });
    let healthy = true;
    this.client.on('ready', () => {
      healthy = true;
    });
    // The service's own connection logs outages; this one only must not throw unhandled.
    this.client.on('error', (error: Error) => {
      if (healthy) logger.debug({ err: error }, 'hot-path redis connection lost; reconnecting');
      healthy = false;
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
