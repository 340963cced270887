import { withRedisDatabase } from './endpoints';

describe('withRedisDatabase', () => {
  it('points a Redis URL at a logical database, whether or not it named one', () => {
    expect(withRedisDatabase('redis://127.0.0.1:6379', 15)).toBe('redis://127.0.0.1:6379/15');
    expect(withRedisDatabase('redis://127.0.0.1:6379/0', 11)).toBe('redis://127.0.0.1:6379/11');
    expect(withRedisDatabase('redis://:secret@redis:6379/2', 15)).toBe(
      'redis://:secret@redis:6379/15',
    );
  });
});
