import { Controller, DynamicModule, Get, Global, Header, Module, Res } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import { HealthController, ReadinessRegistry } from './health';
import { ProblemDetailsFilter } from './problem';

@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsRegistry) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    void reply.type(this.metrics.contentType);
    return this.metrics.text();
  }
}

export interface ServiceKitOptions {
  readonly logger: ServiceLogger;
  readonly metrics: MetricsRegistry;
}

/** What every service has: logger, metrics, health endpoints, problem+json errors. */
@Global()
@Module({})
export class ServiceKitModule {
  static forRoot(options: ServiceKitOptions): DynamicModule {
    return {
      module: ServiceKitModule,
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: ServiceLogger, useValue: options.logger },
        { provide: MetricsRegistry, useValue: options.metrics },
        ReadinessRegistry,
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      ],
      exports: [ServiceLogger, MetricsRegistry, ReadinessRegistry],
    };
  }
}
