import { createSaleRequest, idempotencyKeyHeader, placeOrderRequest } from '@seckill/contracts';
import { ProblemException, Zod } from '@seckill/service-kit';

function problemOf(run: () => unknown): ProblemException {
  try {
    run();
  } catch (error) {
    if (error instanceof ProblemException) return error;
    throw error;
  }
  throw new Error('expected a ProblemException');
}

describe('Zod pipe', () => {
  it('applies defaults and treats a missing body as {}', () => {
    expect(Zod.body(placeOrderRequest).transform(undefined)).toEqual({ quantity: 1 });
  });

  it('lists every wrong field, unknown ones by name, as 400 VALIDATION_FAILED', () => {
    const problem = problemOf(() =>
      Zod.body(createSaleRequest).transform({ name: '', price: 1.5, extra: true, more: 1 }),
    );
    expect(problem.getStatus()).toBe(400);
    expect(problem.code).toBe('VALIDATION_FAILED');
    const paths = problem.errors?.map((e) => e.path).sort();
    expect(paths).toEqual(['endsAt', 'extra', 'more', 'name', 'price', 'startsAt', 'stock']);
    expect(problem.errors).toContainEqual({ path: 'extra', message: 'unknown field' });
  });

  it('reports a body that is not an object at the root path', () => {
    expect(problemOf(() => Zod.body(placeOrderRequest).transform([1])).errors).toEqual([
      { path: '', message: expect.any(String) },
    ]);
  });

  it('names a header by its name', () => {
    const pipe = Zod.named('idempotency-key', idempotencyKeyHeader.optional());
    expect(pipe.transform(undefined)).toBeUndefined();
    expect(pipe.transform('click-1')).toBe('click-1');
    expect(problemOf(() => pipe.transform('a b')).errors).toEqual([
      { path: 'idempotency-key', message: expect.any(String) },
    ]);
  });
});
