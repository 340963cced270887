import { NOT_READ_YET, type RoomSnapshot, type ServiceHealth } from './room-state';
import { timelineChanges } from './timeline';

function snapshot(
  health: Partial<Record<string, boolean>>,
  brokersUp = 3,
  kafkaOk = true,
): RoomSnapshot {
  const services: ServiceHealth[] = Object.entries(health).map(([service, ready]) => ({
    service,
    url: 'http://x',
    ready: ready === true,
    detail: ready ? 'ready' : 'connect ECONNREFUSED',
  }));
  const topology = { brokers: { expected: 3, up: brokersUp }, topics: [], groups: [] };
  return {
    atMs: 0,
    arrivals: { ok: false, error: 'n/a', atMs: 0 },
    sale: { ok: true, value: null, atMs: 0 },
    lag: kafkaOk ? { ok: true, value: [], atMs: 0 } : { ok: false, error: 'down', atMs: 0 },
    backlogs: { ok: false, error: 'n/a', atMs: 0 },
    topology: kafkaOk
      ? { ok: true, value: topology, atMs: 0 }
      : { ok: false, error: 'down', atMs: 0 },
    health: services,
  };
}

describe('timelineChanges', () => {
  it('says nothing while nothing changes', () => {
    expect(timelineChanges(snapshot({ gateway: true }), snapshot({ gateway: true }))).toEqual([]);
  });

  it('names a service that stops being ready (a fault) and comes back (a recovery)', () => {
    const up = snapshot({ gateway: true, 'payment-service': true });
    const down = snapshot({ gateway: true, 'payment-service': false });
    expect(timelineChanges(up, down)).toEqual([
      { kind: 'fault', text: 'payment-service is not ready: connect ECONNREFUSED' },
    ]);
    expect(timelineChanges(down, up)).toEqual([
      { kind: 'recovery', text: 'payment-service is ready again' },
    ]);
  });

  it('counts brokers leaving and joining, and a store that stops answering', () => {
    expect(timelineChanges(snapshot({}, 3), snapshot({}, 2))).toEqual([
      { kind: 'fault', text: 'Kafka: 2 of 3 brokers up' },
    ]);
    expect(timelineChanges(snapshot({}, 2), snapshot({}, 3))).toEqual([
      { kind: 'recovery', text: 'Kafka: 3 of 3 brokers up' },
    ]);
    expect(timelineChanges(snapshot({}), snapshot({}, 3, false))).toEqual([
      { kind: 'fault', text: 'Kafka does not answer the control room' },
    ]);
    expect(timelineChanges(snapshot({}, 3, false), snapshot({}))).toEqual([
      { kind: 'recovery', text: 'Kafka answers again' },
    ]);
  });

  it('does not call the first read after the control room starts a recovery', () => {
    const starting: RoomSnapshot = {
      ...snapshot({}),
      lag: { ok: false, error: NOT_READ_YET, atMs: 0 },
      sale: { ok: false, error: NOT_READ_YET, atMs: 0 },
    };
    expect(timelineChanges(starting, snapshot({}))).toEqual([]);
  });
});
