import { type ISocketFactory, Kafka, logLevel, LogEntry } from 'kafkajs';
import type { ServiceLogger } from '@seckill/observability';
import { fixKafkajsIdleSpin } from './kafkajs-idle-spin';

export interface KafkaClientOptions {
  readonly clientId: string;
  readonly brokers: readonly string[];
  readonly logger: ServiceLogger;
  /** How connections to the brokers are opened; tests use it to cut the broker off and back. */
  readonly socketFactory?: ISocketFactory;
}

const LEVEL_NAMES: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose own log lines go into the service's JSON log stream. */
export function createKafkaClient({
  clientId,
  brokers,
  logger,
  socketFactory,
}: KafkaClientOptions): Kafka {
  fixKafkajsIdleSpin(); // before any connection exists: see the file
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId,
    brokers: [...brokers],
    connectionTimeout: 3000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 300, retries: 8 },
    ...(socketFactory ? { socketFactory } : {}),
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log }: LogEntry) => {
        const { message, ...fields } = log;
        const method = LEVEL_NAMES[level] ?? 'info';
        kafkaLogger[method]({ namespace, ...fields }, message);
      },
  });
}
