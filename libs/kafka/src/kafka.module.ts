import { setTimeout as sleep } from 'node:timers/promises';
import {
  DynamicModule,
  Global,
  Injectable,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleDestroy,
  OnModuleInit,
  Type,
} from '@nestjs/common';
import type { Admin, ISocketFactory, Kafka } from 'kafkajs';
import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import { ReadinessRegistry } from '@seckill/service-kit';
import { createKafkaClient } from './client';
import {
  ConsumerRunnerOptions,
  IntegrationEventHandler,
  KafkaConsumerRunner,
  YieldPolicy,
} from './consumer-runner';
import { ConsumerStore } from './consumer-store';
import { BackoffPolicy } from './errors';
import {
  type CommittedOffsets,
  type ConsumerGroupOffsets,
  fetchCommittedOffsets,
} from './group-offsets';
import { EventPublisher } from './publisher';

export interface KafkaModuleOptions {
  readonly clientId: string;
  readonly brokers: readonly string[];
  /** How connections to the brokers are opened (kafkajs's default: plain TCP); for tests. */
  readonly socketFactory?: ISocketFactory;
}

/**
 * The service's Kafka client, its producer and an admin (for readiness and for reading other
 * groups' offsets); closed last on shutdown.
 */
@Injectable()
export class KafkaConnection implements OnModuleInit, OnApplicationShutdown, ConsumerGroupOffsets {
  readonly kafka: Kafka;
  readonly publisher: EventPublisher;
  private readonly admin: Admin;
  private adminConnected: Promise<void> | undefined;

  constructor(
    options: KafkaModuleOptions,
    private readonly logger: ServiceLogger,
    readiness: ReadinessRegistry,
  ) {
    this.kafka = createKafkaClient({ ...options, logger });
    this.publisher = new EventPublisher(this.kafka, {
      logger: logger.child({ component: 'publisher' }),
    });
    this.admin = this.kafka.admin();
    readiness.register('kafka', async () => {
      await this.connectAdmin();
      const cluster = await this.admin.describeCluster();
      if (cluster.brokers.length === 0) throw new Error('no brokers in the cluster');
    });
  }

  /** A broker that is down at start must not stop the service: readiness reports it instead. */
  onModuleInit(): void {
    this.publisher.connect().catch((error: unknown) => {
      this.logger.warn({ err: error }, 'kafka producer not connected yet; will retry on first use');
    });
  }

  async committedOffsets(groupId: string, topic: string): Promise<CommittedOffsets> {
    await this.connectAdmin();
    return fetchCommittedOffsets(this.admin, groupId, topic);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher.disconnect();
    if (this.adminConnected) await this.admin.disconnect();
  }

  private connectAdmin(): Promise<void> {
    this.adminConnected ??= this.admin.connect().catch((error: unknown) => {
      this.adminConnected = undefined;
      throw error;
    });
    return this.adminConnected;
  }
}

/**
 * Runs one consumer group for the handlers of a service. It starts after the application is
 * initialised and stops first on shutdown (finish in-flight, commit, leave the group), before
 * the producer and the database close.
 */
export class ConsumerHost implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly runner: KafkaConsumerRunner;
  private running = false;
  private stopped = false;
  private starting: Promise<void> | undefined;

  constructor(
    connection: KafkaConnection,
    private readonly logger: ServiceLogger,
    metrics: MetricsRegistry,
    readiness: ReadinessRegistry,
    options: ConsumerRunnerOptions,
    gatesReadiness = true,
  ) {
    this.runner = new KafkaConsumerRunner(
      connection.kafka,
      connection.publisher,
      logger,
      metrics,
      options,
    );
    readiness.register(
      `consumer:${options.groupId}`,
      async () => {
        if (!this.running) throw new Error(`consumer group ${options.groupId} has not started`);
      },
      { gating: gatesReadiness },
    );
  }

  onApplicationBootstrap(): void {
    this.starting = this.startUntilRunning();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    await this.starting;
    await this.runner.stop();
  }

  private async startUntilRunning(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.runner.start();
        this.running = true;
        return;
      } catch (error) {
        this.logger.warn({ err: error }, 'consumer could not start; retrying in 5 s');
        await sleep(5000);
      }
    }
  }
}

export interface ConsumerModuleOptions {
  readonly groupId: string;
  /** Handler classes; the service's `ConsumerStore` (PersistenceModule provides it) is injected too. */
  readonly handlers: readonly Type<IntegrationEventHandler>[];
  readonly backoff?: BackoffPolicy;
  /** The processing-rate cap (`CONSUMER_MAX_EVENTS_PER_SECOND`, default 4000). */
  readonly maxEventsPerSecond?: number;
  /** Events per database transaction (default 100). */
  readonly maxBatchEvents?: number;
  /** Retry delays (default 1 s, 5 s, 30 s); the retry topics are named after them. */
  readonly retryDelaysMs?: readonly number[];
  /**
   * Whether the service is not ready until the group has joined (default true: a consumer is
   * what a consumer service does). False where HTTP traffic does not need the group, so a
   * restart does not stop that traffic while the group waits for a dead member's session.
   */
  readonly gatesReadiness?: boolean;
  /** Yield to a busier workload of the process (see ConsumerRunnerOptions.yieldTo). */
  readonly yieldTo?: YieldPolicy;
}

@Global()
@Module({})
export class KafkaModule {
  static forRoot(options: KafkaModuleOptions): DynamicModule {
    return {
      module: KafkaModule,
      providers: [
        {
          provide: KafkaConnection,
          inject: [ServiceLogger, ReadinessRegistry],
          useFactory: (logger: ServiceLogger, readiness: ReadinessRegistry) =>
            new KafkaConnection(options, logger, readiness),
        },
      ],
      exports: [KafkaConnection],
    };
  }

  /** One consumer group whose handlers are Nest providers (they get their dependencies by DI). */
  static forConsumer(options: ConsumerModuleOptions): DynamicModule {
    return {
      module: KafkaConsumerModule,
      providers: [
        ...options.handlers,
        {
          provide: ConsumerHost,
          inject: [
            KafkaConnection,
            ServiceLogger,
            MetricsRegistry,
            ReadinessRegistry,
            ConsumerStore,
            ...options.handlers,
          ],
          useFactory: (
            connection: KafkaConnection,
            logger: ServiceLogger,
            metrics: MetricsRegistry,
            readiness: ReadinessRegistry,
            store: ConsumerStore,
            ...handlers: IntegrationEventHandler[]
          ) =>
            new ConsumerHost(
              connection,
              logger,
              metrics,
              readiness,
              {
                groupId: options.groupId,
                handlers,
                store,
                backoff: options.backoff,
                maxEventsPerSecond: options.maxEventsPerSecond,
                maxBatchEvents: options.maxBatchEvents,
                retryDelaysMs: options.retryDelaysMs,
                yieldTo: options.yieldTo,
              },
              options.gatesReadiness,
            ),
        },
      ],
    };
  }
}

@Module({})
class KafkaConsumerModule {}
