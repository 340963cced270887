import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readPidFile, writePidFile } from '../process';
import { serviceSpec } from '../services';
import {
  inspectService,
  recordedBrokers,
  serviceEntry,
  serviceLogFile,
  servicePidFile,
  serviceRecord,
  serviceState,
} from './pid-files';

describe('service pid files', () => {
  let root: string;
  let layout: { root: string; pidDir: string; logDir: string };

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'shop-pids-'));
    layout = {
      root,
      pidDir: path.join(root, '.data', 'pids'),
      logDir: path.join(root, '.data', 'logs'),
    };
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('keeps names apart from the infra runner’s (postgres.pid, kafka-1.pid, ...)', () => {
    expect(servicePidFile(layout, 'inventory-service')).toBe(
      path.join(root, '.data/pids/service-inventory-service.pid'),
    );
    expect(serviceLogFile(layout, 'inventory-service')).toBe(
      path.join(root, '.data/logs/inventory-service.log'),
    );
  });

  it('records pid, port, the absolute entry as the pid-reuse marker, the log and the broker count', () => {
    const spec = serviceSpec('payment-service');
    const rec = serviceRecord(layout, spec, 1234, 3, new Date('2025-01-02T03:04:05.000Z'));
    expect(rec).toEqual({
      component: 'service-payment-service',
      pid: 1234,
      port: 3003,
      marker: path.join(root, 'dist/apps/payment-service/src/main.js'),
      startedAt: '2025-01-02T03:04:05.000Z',
      logFile: path.join(root, '.data/logs/payment-service.log'),
      meta: { brokers: '3' },
    });
    expect(rec.marker).toBe(serviceEntry(layout, spec));
    expect(recordedBrokers(rec)).toBe(3);
    expect(recordedBrokers({ ...rec, meta: {} })).toBeUndefined();
    expect(recordedBrokers(undefined)).toBeUndefined();
  });

  it('round-trips through the file and classifies it by whether the pid is still ours', () => {
    const spec = serviceSpec('gateway');
    const file = servicePidFile(layout, spec.name);
    expect(inspectService(layout, spec.name)).toEqual({ kind: 'none' });

    const rec = serviceRecord(layout, spec, 777, 1);
    writePidFile(file, rec);
    expect(readPidFile(file)).toEqual(rec);

    const seen: Array<[number, string]> = [];
    const alive = inspectService(layout, spec.name, (pid, marker) => {
      seen.push([pid, marker]);
      return true;
    });
    expect(alive).toEqual({ kind: 'alive', record: rec });
    expect(seen).toEqual([[777, rec.marker]]);
    expect(inspectService(layout, spec.name, () => false)).toEqual({ kind: 'stale', record: rec });

    fs.writeFileSync(file, 'garbage');
    expect(inspectService(layout, spec.name)).toEqual({ kind: 'invalid' });
  });

  it('finds this very process alive when the marker is in its argv, and a dead pid stale', () => {
    const spec = serviceSpec('gateway');
    const file = servicePidFile(layout, spec.name);
    writePidFile(file, { ...serviceRecord(layout, spec, process.pid, 1), marker: process.argv[1] });
    expect(inspectService(layout, spec.name).kind).toBe('alive');
    writePidFile(file, { ...serviceRecord(layout, spec, 2 ** 22 + 1, 1) });
    expect(inspectService(layout, spec.name).kind).toBe('stale');
  });
});

describe('serviceState', () => {
  const record = {
    component: 'service-gateway',
    pid: 1,
    port: 3000,
    marker: 'm',
    startedAt: 'now',
  };

  it('is running whenever our process is alive, even before its port opens', () => {
    expect(serviceState({ kind: 'alive', record }, true)).toBe('running');
    expect(serviceState({ kind: 'alive', record }, false)).toBe('running');
  });

  it('is exited when the recorded process is gone (killed, crashed)', () => {
    expect(serviceState({ kind: 'stale', record }, false)).toBe('exited');
  });

  it('is foreign when something else holds the port', () => {
    expect(serviceState({ kind: 'none' }, true)).toBe('foreign');
    expect(serviceState({ kind: 'stale', record }, true)).toBe('foreign');
  });

  it('is stopped when nothing is recorded or listening', () => {
    expect(serviceState({ kind: 'none' }, false)).toBe('stopped');
    expect(serviceState({ kind: 'invalid' }, false)).toBe('stopped');
  });
});
