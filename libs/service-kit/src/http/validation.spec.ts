import { z } from 'zod';
import { createSaleRequest, placeOrderRequest } from '@seckill/contracts';
import { ProblemException } from '../problem';
import { resourceId } from '@seckill/contracts';
import { fieldErrors, Zod } from './validation';

function problemOf(fn: () => unknown): ProblemException {
  try {
    fn();
  } catch (error) {
    if (error instanceof ProblemException) return error;
    throw error;
  }
  throw new Error('expected a ProblemException');
}

describe('fieldErrors', () => {
  it('reports each unknown field on its own path', () => {
    const result = placeOrderRequest.safeParse({ quantity: 1, userId: 'mallory', price: 0 });
    expect(fieldErrors(result.error!)).toEqual([
      { path: 'userId', message: 'unknown field' },
      { path: 'price', message: 'unknown field' },
    ]);
  });

  it('reports wrong types and ranges under the field path, nested paths dotted', () => {
    const schema = z.strictObject({ items: z.array(z.strictObject({ quantity: z.number() })) });
    const result = schema.safeParse({ items: [{ quantity: 1 }, { quantity: '2', extra: true }] });
    expect(fieldErrors(result.error!)).toEqual([
      { path: 'items.1.quantity', message: expect.stringContaining('expected number') },
      { path: 'items.1.extra', message: 'unknown field' },
    ]);
  });

  it('names the body itself with an empty path, a parameter with its name', () => {
    expect(fieldErrors(placeOrderRequest.safeParse([1]).error!)).toEqual([
      { path: '', message: expect.stringContaining('expected object') },
    ]);
    expect(fieldErrors(resourceId.safeParse('a/b').error!, 'saleId')).toEqual([
      { path: 'saleId', message: 'must be 1-128 characters of A-Z a-z 0-9 _ -' },
    ]);
  });
});

describe('the Zod pipe', () => {
  it('hands over the parsed value, defaults applied; no body counts as {}', () => {
    expect(Zod.body(placeOrderRequest).transform({})).toEqual({ quantity: 1 });
    expect(Zod.body(placeOrderRequest).transform(undefined)).toEqual({ quantity: 1 });
  });

  it('answers 400 VALIDATION_FAILED with every wrong field', () => {
    const problem = problemOf(() =>
      Zod.body(createSaleRequest).transform({ name: '', price: -1, stock: 10, colour: 'red' }),
    );
    expect(problem.getStatus()).toBe(400);
    expect(problem.code).toBe('VALIDATION_FAILED');
    expect(problem.errors?.map((e) => e.path).sort()).toEqual([
      'colour',
      'endsAt',
      'name',
      'price',
      'startsAt',
    ]);
  });

  it.each([
    ['negative', -1],
    ['zero', 0],
    ['huge', 1e9],
    ['fractional', 1.5],
    ['a string', '1'],
    ['null', null],
  ])('refuses a %s quantity', (_label, quantity) => {
    const problem = problemOf(() => Zod.body(placeOrderRequest).transform({ quantity }));
    expect(problem.errors).toEqual([{ path: 'quantity', message: expect.any(String) }]);
  });

  it('does not let an absent path parameter or header pass as {}', () => {
    expect(() => Zod.named('saleId', resourceId).transform(undefined)).toThrow(ProblemException);
    expect(
      Zod.named('Idempotency-Key', z.string().optional()).transform(undefined),
    ).toBeUndefined();
  });
});
