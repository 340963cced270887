import {
  DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  OnApplicationShutdown,
  Type,
} from '@nestjs/common';
import type { PrismaPg } from '@prisma/adapter-pg';
import { ServiceLogger } from '@seckill/observability';
import { ReadinessRegistry } from '@seckill/service-kit';
import { createPgAdapter } from './connection';
import { pingDatabase } from './readiness';

/** What the module needs of a service's generated Prisma client. */
export interface PrismaClientLike {
  $queryRawUnsafe(query: string): PromiseLike<unknown>;
  $disconnect(): Promise<void>;
}

export interface PersistenceModuleOptions<T extends PrismaClientLike> {
  /** The class the service injects: its own `class XDatabase extends PrismaClient {}`. */
  readonly client: Type<T>;
  readonly databaseUrl: string;
  readonly poolSize?: number;
  readonly applicationName: string;
  readonly create: (adapter: PrismaPg) => T;
}

const DATABASE_CLIENT = Symbol('DatabaseClient');

@Injectable()
class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(@Inject(DATABASE_CLIENT) private readonly client: PrismaClientLike) {}

  /** Runs after consumers stopped and the HTTP server closed: nothing needs the pool any more. */
  async onApplicationShutdown(): Promise<void> {
    await this.client.$disconnect();
  }
}

/**
 * A service's own database: its generated client on @prisma/adapter-pg (no native engine),
 * a `postgres` readiness probe, and a disconnect at the very end of shutdown.
 */
@Global()
@Module({})
export class PersistenceModule {
  static forRoot<T extends PrismaClientLike>(options: PersistenceModuleOptions<T>): DynamicModule {
    return {
      module: PersistenceModule,
      providers: [
        {
          provide: DATABASE_CLIENT,
          inject: [ServiceLogger, ReadinessRegistry],
          useFactory: (logger: ServiceLogger, readiness: ReadinessRegistry) => {
            const adapter = createPgAdapter(options.databaseUrl, {
              poolSize: options.poolSize,
              applicationName: options.applicationName,
              onPoolError: (error) =>
                logger.warn({ err: error }, 'idle database connection failed'),
            });
            const client = options.create(adapter);
            readiness.register('postgres', async () => {
              await pingDatabase(client);
            });
            return client;
          },
        },
        { provide: options.client, useExisting: DATABASE_CLIENT },
        DatabaseLifecycle,
      ],
      exports: [options.client],
    };
  }
}
