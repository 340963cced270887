import { MetricsRegistry, ServiceLogger } from '@seckill/observability';
import type { AdmissionScript } from '@seckill/redis';
import { CATALOGUE_EVENTS } from '../events';
import { AdmissionService, type PlaceOrder } from './admission.service';
import { HotPathActivity } from './hot-path-activity';
import type { OrderHandoff } from './order-handoff';
import type { SalePrices } from './sale-prices';

/** ioredis's error when a command's connection is lost and its retries are exhausted. */
const redisDown = () =>
  Object.assign(new Error('Reached the max retries per request limit'), {
    name: 'MaxRetriesPerRequestError',
  });

const order: PlaceOrder = {
  saleId: 'sale-1',
  userId: 'user-1',
  quantity: 1,
  idempotencyKey: 'key-1',
  deadline: null,
};

function service(parts: { price: () => Promise<number | null>; admit: () => Promise<never> }) {
  const handOff = jest.fn();
  const admission = new AdmissionService(
    { admit: parts.admit } as unknown as AdmissionScript,
    { handOff } as unknown as OrderHandoff,
    { priceOf: parts.price } as unknown as SalePrices,
    CATALOGUE_EVENTS,
    new HotPathActivity(),
    new MetricsRegistry('order-service-admission-spec'),
    ServiceLogger.create('order-service', 'fatal'),
  );
  return { admission, handOff };
}

describe('AdmissionService when Redis fails', () => {
  it('before the script ran: 503 UPSTREAM_UNAVAILABLE with Retry-After, nothing admitted', async () => {
    const admit = jest.fn();
    const { admission, handOff } = service({
      price: () => Promise.reject(redisDown()),
      admit,
    });
    await expect(admission.place(order)).resolves.toEqual({
      refused: expect.objectContaining({
        status: 503,
        code: 'UPSTREAM_UNAVAILABLE',
        headers: { 'retry-after': '1' },
      }),
    });
    expect(admit).not.toHaveBeenCalled();
    expect(handOff).not.toHaveBeenCalled();
  });

  it('with the script in flight: 503 OUTCOME_UNKNOWN with Retry-After, never a 500', async () => {
    const { admission, handOff } = service({
      price: () => Promise.resolve(1999),
      admit: () => Promise.reject(redisDown()),
    });
    const placement = await admission.place(order);
    expect(placement).toEqual({
      refused: expect.objectContaining({
        status: 503,
        code: 'OUTCOME_UNKNOWN',
        headers: { 'retry-after': '1' },
      }),
    });
    expect(handOff).not.toHaveBeenCalled();
  });
});
