/**
 * Which Kafka profile the shop uses when the command line does not say: the one already running
 * (infra's runningKafkaBrokers()), so `npm run shop` after `npm run shop -- --brokers 3` reuses
 * the cluster instead of being refused for mixing profiles.
 */
import { type BrokerCount } from '../infra-paths';

/** Asked for, else what runs, else 1. */
export function chooseBrokers(
  asked: BrokerCount | undefined,
  running: BrokerCount | null,
): BrokerCount {
  return asked ?? running ?? 1;
}

/** For a restarted service: what runs now (the infra may have changed profile), else what it had, else 1. */
export function brokersForRestart(
  running: BrokerCount | null,
  recorded: BrokerCount | undefined,
): BrokerCount {
  return running ?? recorded ?? 1;
}
