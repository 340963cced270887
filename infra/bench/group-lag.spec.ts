import { behindLine } from './group-lag';

describe('behindLine', () => {
  it('names only the groups still behind, without the -service suffix', () => {
    expect(
      behindLine({
        'inventory-service': { lag: 120, read: 5 },
        'payment-service': { lag: 0, read: 9 },
        'order-service': { lag: 4, read: 1 },
      }),
    ).toBe('inventory 120, order 4');
  });

  it('is empty when every group is caught up', () => {
    expect(behindLine({ 'payment-service': { lag: 0, read: 3 } })).toBe('');
  });
});
