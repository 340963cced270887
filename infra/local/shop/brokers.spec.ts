import { chooseBrokers, runningBrokers } from './brokers';

const row = (component: string, running: boolean, detail?: string) => ({
  component,
  running,
  ...(detail ? { detail } : {}),
});

describe('runningBrokers', () => {
  it('reads the profile of the running Kafka nodes', () => {
    expect(
      runningBrokers([row('postgres', true), row('kafka-1', true, 'profile=single version=4.4.0')]),
    ).toBe(1);
    expect(
      runningBrokers([
        row('kafka-1', false, 'pid alive, port not answering; profile=cluster version=4.4.0'),
        row('kafka-2', true, 'profile=cluster version=4.4.0'),
      ]),
    ).toBe(3);
  });

  it('is undefined when no Kafka node runs', () => {
    expect(runningBrokers([row('kafka-1', false, 'profile=cluster')])).toBeUndefined();
    expect(runningBrokers([])).toBeUndefined();
  });

  it('falls back to counting nodes when the detail says nothing', () => {
    expect(runningBrokers([row('kafka-1', true), row('kafka-2', true)])).toBe(3);
  });
});

describe('chooseBrokers', () => {
  it('prefers what was asked, then what runs, then 1', () => {
    expect(chooseBrokers(1, [row('kafka-1', true, 'profile=cluster')])).toBe(1);
    expect(chooseBrokers(undefined, [row('kafka-1', true, 'profile=cluster')])).toBe(3);
    expect(chooseBrokers(undefined, [])).toBe(1);
  });
});
