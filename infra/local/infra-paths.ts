/**
 * Where the local infrastructure lives: ports (fixed, conventional) and the repository-relative
 * layout of data, logs, pid files and the download cache (.data/ and .cache/ are git-ignored).
 */
import * as path from 'node:path';

export const HOST = '127.0.0.1';
export const POSTGRES_PORT = 5432;
export const POSTGRES_USER = 'seckill';
export const POSTGRES_PASSWORD = 'seckill';
export const REDIS_PORT = 6379;
/** Broker n (1-based) listens on KAFKA_BROKER_BASE_PORT + n - 1: 9092, 9093, 9094. */
export const KAFKA_BROKER_BASE_PORT = 9092;
/** Its KRaft controller listener on KAFKA_CONTROLLER_BASE_PORT + n - 1: 19092, 19093, 19094. */
export const KAFKA_CONTROLLER_BASE_PORT = 19092;

export type BrokerCount = 1 | 3;

export interface InfraLayout {
  /** Repository root. */
  readonly root: string;
  /** `.data/`: all state (databases, logs, Kafka data, pid files). */
  readonly dataDir: string;
  /** `.cache/`: downloads (Kafka jars). */
  readonly cacheDir: string;
  readonly pidDir: string;
  readonly logDir: string;
  readonly lockFile: string;
  /** infra/kafka: the pom that fetches the broker jars and the log4j2 config. */
  readonly kafkaAssetsDir: string;
}

/** The repository root, found from this file (infra/local/ -> ../..). */
export function repoRoot(): string {
  return path.resolve(__dirname, '..', '..');
}

export function infraLayout(root: string = repoRoot()): InfraLayout {
  const dataDir = path.join(root, '.data');
  return {
    root,
    dataDir,
    cacheDir: path.join(root, '.cache'),
    pidDir: path.join(dataDir, 'pids'),
    logDir: path.join(dataDir, 'logs'),
    lockFile: path.join(dataDir, 'pids', 'infra.lock'),
    kafkaAssetsDir: path.join(root, 'infra', 'kafka'),
  };
}

export function kafkaBrokerPorts(brokers: BrokerCount): number[] {
  return Array.from({ length: brokers }, (_, i) => KAFKA_BROKER_BASE_PORT + i);
}

export function kafkaBrokerAddresses(brokers: BrokerCount): string[] {
  return kafkaBrokerPorts(brokers).map((p) => `${HOST}:${p}`);
}
