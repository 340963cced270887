import { slowProviderEnv } from './slow-payment';

describe('slowProviderEnv', () => {
  it("gives a lease longer than payment-service's slowest take-up of an intent", () => {
    // The service's rule (apps/payment-service/src/config.ts, captureBudgetMs): 3 attempts of
    // latency + the 500 ms timeout, plus backoffs of 100 and 200 ms.
    for (const latency of [50, 1_000, 5_000]) {
      const env = slowProviderEnv(latency);
      expect(Number(env.PAYMENT_LATENCY_MS)).toBe(latency);
      expect(Number(env.PAYMENT_CAPTURE_LEASE_MS)).toBeGreaterThan(3 * (latency + 500) + 300);
    }
  });
});
