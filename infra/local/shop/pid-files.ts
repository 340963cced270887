/**
 * Where the shop keeps track of its service processes: `.data/pids/service-<name>.pid` (a JSON
 * PidRecord, the same format the infra runner uses for its own components, which own the other
 * names in that directory) and `.data/logs/<name>.log`.
 */
import * as path from 'node:path';
import { type BrokerCount, type InfraLayout } from '../infra-paths';
import { type PidFileState, type PidRecord, inspectPidFile, isOurProcess } from '../process';
import { type ServiceSpec } from '../services';

export const SERVICE_PID_PREFIX = 'service-';

export function servicePidFile(layout: Pick<InfraLayout, 'pidDir'>, name: string): string {
  return path.join(layout.pidDir, `${SERVICE_PID_PREFIX}${name}.pid`);
}

export function serviceLogFile(layout: Pick<InfraLayout, 'logDir'>, name: string): string {
  return path.join(layout.logDir, `${name}.log`);
}

/** The absolute entry point; it is in the process's argv, so it doubles as the pid-reuse guard. */
export function serviceEntry(layout: Pick<InfraLayout, 'root'>, spec: ServiceSpec): string {
  return path.join(layout.root, spec.entry);
}

export function serviceRecord(
  layout: Pick<InfraLayout, 'root' | 'logDir'>,
  spec: ServiceSpec,
  pid: number,
  brokers: BrokerCount,
  now: Date = new Date(),
): PidRecord {
  return {
    component: `${SERVICE_PID_PREFIX}${spec.name}`,
    pid,
    port: spec.port,
    marker: serviceEntry(layout, spec),
    startedAt: now.toISOString(),
    logFile: serviceLogFile(layout, spec.name),
    // Remembered so "restart" gives the service the same Kafka brokers it had.
    meta: { brokers: String(brokers) },
  };
}

/** The broker count a service was started with, if its record says. */
export function recordedBrokers(record: PidRecord | undefined): BrokerCount | undefined {
  const b = record?.meta?.brokers;
  return b === '1' ? 1 : b === '3' ? 3 : undefined;
}

export function inspectService(
  layout: Pick<InfraLayout, 'pidDir'>,
  name: string,
  isOurs: (pid: number, marker: string) => boolean = isOurProcess,
): PidFileState {
  return inspectPidFile(servicePidFile(layout, name), isOurs);
}

export type ServiceState = 'running' | 'stopped' | 'exited' | 'foreign';

/**
 * What a service's pid file and port together say:
 *   running  the recorded process is alive and ours (its port may still be coming up);
 *   exited   the record points at a process that is gone (crashed, killed);
 *   foreign  no live process of ours, yet something else holds the port;
 *   stopped  nothing recorded, nothing listening.
 */
export function serviceState(pid: PidFileState, portOpen: boolean): ServiceState {
  if (pid.kind === 'alive') return 'running';
  if (portOpen) return 'foreign';
  if (pid.kind === 'stale') return 'exited';
  return 'stopped';
}
