import { busyReason } from './background';

describe('busyReason', () => {
  it('is null when outsiders stay under 10 % of a core and no service is busy', () => {
    expect(
      busyReason([
        { label: 'other', percent: 6 },
        { label: 'order-service', percent: 10 },
        { label: 'redis', percent: 40 },
      ]),
    ).toBeNull();
  });

  it('names the outsiders first, then a shop service still busy', () => {
    expect(
      busyReason([
        { label: 'other', percent: 35 },
        { label: 'order-service', percent: 40 },
      ]),
    ).toBe('other 35%');
    expect(
      busyReason([
        { label: 'other', percent: 3 },
        { label: 'order-service', percent: 40.4 },
      ]),
    ).toBe('order-service 40%');
  });
});
