import { brokersForRestart, chooseBrokers } from './brokers';

describe('chooseBrokers', () => {
  it('prefers what was asked, then what runs, then 1', () => {
    expect(chooseBrokers(1, 3)).toBe(1);
    expect(chooseBrokers(undefined, 3)).toBe(3);
    expect(chooseBrokers(undefined, null)).toBe(1);
  });
});

describe('brokersForRestart', () => {
  it('follows the running Kafka, then the service’s own record', () => {
    expect(brokersForRestart(3, 1)).toBe(3);
    expect(brokersForRestart(null, 3)).toBe(3);
    expect(brokersForRestart(null, undefined)).toBe(1);
  });
});
