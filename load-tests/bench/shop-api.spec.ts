import { mapLimit, tokenOf } from './shop-api';

describe('tokenOf', () => {
  it('reads the token whatever its field is called', () => {
    expect(tokenOf({ token: 'a' })).toBe('a');
    expect(tokenOf({ accessToken: 'b' })).toBe('b');
    expect(tokenOf({ access_token: 'c' })).toBe('c');
    expect(() => tokenOf({ token: '' })).toThrow(/no token/);
    expect(() => tokenOf(null)).toThrow(/no token/);
  });
});

describe('mapLimit', () => {
  it('keeps the input order and never runs more than `concurrency` at once', async () => {
    let running = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n, i) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, n));
      running--;
      return `${i}:${n}`;
    });
    expect(out).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3']);
    expect(most).toBe(2);
    await expect(mapLimit([], 3, () => Promise.resolve(1))).resolves.toEqual([]);
  });
});
