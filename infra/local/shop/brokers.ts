/**
 * Which Kafka profile the shop should use when the command line does not say: the one already
 * running, so `npm run shop` after `npm run shop -- --brokers 3` (or `npm run infra -- up
 * --brokers 3`) reuses the cluster instead of refusing to mix profiles.
 */
import { type BrokerCount } from '../infra-paths';

/** An infra row as infraStatus() reports it (Kafka rows carry "profile=single|cluster" in detail). */
export interface KafkaRowLike {
  readonly component: string;
  readonly running: boolean;
  readonly detail?: string;
}

/** The broker count of the Kafka that runs now, or undefined when none does. */
export function runningBrokers(rows: readonly KafkaRowLike[]): BrokerCount | undefined {
  const live = rows.filter((r) => r.component.startsWith('kafka-') && r.running);
  if (live.length === 0) return undefined;
  if (live.some((r) => (r.detail ?? '').includes('profile=cluster'))) return 3;
  if (live.some((r) => (r.detail ?? '').includes('profile=single'))) return 1;
  return live.length > 1 ? 3 : 1;
}

/** Asked for, else what runs, else 1. */
export function chooseBrokers(
  asked: BrokerCount | undefined,
  rows: readonly KafkaRowLike[],
): BrokerCount {
  return asked ?? runningBrokers(rows) ?? 1;
}
