import { SERVICE_NAMES } from './infra';
import { START_ORDER } from './shop-under-test';

describe('START_ORDER', () => {
  it('starts every service once, the gateway last (it checks order-service to be ready)', () => {
    expect([...START_ORDER].sort()).toEqual([...SERVICE_NAMES].sort());
    expect(START_ORDER.at(-1)).toBe('gateway');
    expect(START_ORDER.indexOf('order-service')).toBeLessThan(START_ORDER.indexOf('gateway'));
  });
});
