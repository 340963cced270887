import { trackingNumberFor } from './tracking-number';

describe('trackingNumberFor', () => {
  it('is SK and the first 16 hex digits of the shipment id, upper case', () => {
    expect(trackingNumberFor('0f8e2a4c-1b3d-4e5f-8a9b-0c1d2e3f4a5b')).toBe('SK0F8E2A4C1B3D4E5F');
  });

  it('differs for different shipments and fits the contract (at most 64 characters)', () => {
    const a = trackingNumberFor('00000000-0000-4000-8000-000000000001');
    const b = trackingNumberFor('10000000-0000-4000-8000-000000000001');
    expect(a).not.toBe(b);
    expect(a.length).toBeLessThanOrEqual(64);
  });

  it('refuses something that is not a UUID', () => {
    expect(() => trackingNumberFor('order-1')).toThrow('not a UUID');
  });
});
