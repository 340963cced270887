import {
  BeforeApplicationShutdown,
  DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Provider,
  Type,
} from '@nestjs/common';
import type { PrismaPg } from '@prisma/adapter-pg';
import { ConsumerStore, KafkaConnection, OutboxRelay } from '@seckill/kafka';
import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import { ReadinessRegistry } from '@seckill/service-kit';
import { createPgAdapter } from './connection';
import {
  PrismaConsumerStore,
  type SqlExecutor,
  type TransactionalClient,
} from './messaging/prisma-consumer-store';
import { PrismaOutboxStore } from './messaging/prisma-outbox-store';
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
  /**
   * The service consumes events and/or writes follow-up events to its `outbox_events` table:
   * provides the `ConsumerStore` the consumer runner needs and runs the outbox relay onto the
   * service's Kafka producer (KafkaModule.forRoot must be imported too).
   */
  readonly messaging?: MessagingOptions;
}

export interface MessagingOptions {
  /** Pause between relay runs when the outbox is drained (a commit wakes it at once). */
  readonly relayIntervalMs?: number;
  readonly relayBatchSize?: number;
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

/** The relay of a service's `outbox_events` table; starts with the app, stops before the producer. */
export class OutboxRelayHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly relay: OutboxRelay;
  readonly store: PrismaOutboxStore<SqlExecutor>;

  constructor(
    client: TransactionalClient,
    kafka: KafkaConnection,
    logger: ServiceLogger,
    metrics: MetricsRegistry,
    options: MessagingOptions,
  ) {
    this.store = new PrismaOutboxStore(client);
    this.relay = new OutboxRelay(this.store, kafka.publisher, logger, metrics, {
      name: 'outbox',
      intervalMs: options.relayIntervalMs ?? 500,
      batchSize: options.relayBatchSize ?? 500,
      publishTimeoutMs: 5_000,
    });
  }

  onApplicationBootstrap(): void {
    this.relay.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }
}

function messagingProviders(options: MessagingOptions): Provider[] {
  return [
    {
      provide: OutboxRelayHost,
      inject: [DATABASE_CLIENT, KafkaConnection, ServiceLogger, MetricsRegistry],
      useFactory: (
        client: TransactionalClient,
        kafka: KafkaConnection,
        logger: ServiceLogger,
        metrics: MetricsRegistry,
      ) => new OutboxRelayHost(client, kafka, logger, metrics, options),
    },
    {
      provide: ConsumerStore,
      inject: [DATABASE_CLIENT, OutboxRelayHost],
      useFactory: (client: TransactionalClient, host: OutboxRelayHost) =>
        new PrismaConsumerStore(client, { onOutboxCommitted: () => host.relay.wake() }),
    },
  ];
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
        ...(options.messaging ? messagingProviders(options.messaging) : []),
      ],
      exports: [options.client, ...(options.messaging ? [ConsumerStore, OutboxRelayHost] : [])],
    };
  }
}
