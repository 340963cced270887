import { DatabaseUnavailableError, pingDatabase } from './readiness';

describe('pingDatabase', () => {
  it('runs SELECT 1 through a pg Pool or Client', async () => {
    const query = jest.fn().mockResolvedValue({ rows: [{ '?column?': 1 }] });
    await expect(pingDatabase({ query })).resolves.toEqual(expect.any(Number));
    expect(query).toHaveBeenCalledWith('SELECT 1');
  });

  it('runs SELECT 1 through a Prisma client', async () => {
    const $queryRawUnsafe = jest.fn().mockResolvedValue([{ '?column?': 1 }]);
    await pingDatabase({ $queryRawUnsafe });
    expect($queryRawUnsafe).toHaveBeenCalledWith('SELECT 1');
  });

  it('reports a failing database as DatabaseUnavailableError', async () => {
    const query = jest.fn().mockRejectedValue(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    const ping = pingDatabase({ query });
    await expect(ping).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await expect(ping).rejects.toThrow(/ECONNREFUSED/);
  });

  it('gives up after the timeout instead of hanging the health check', async () => {
    const query = jest.fn(() => new Promise<never>(() => undefined));
    await expect(pingDatabase({ query }, 20)).rejects.toThrow(/did not answer within 20 ms/);
  });
});
