import { PrismaPg } from '@prisma/adapter-pg';
import { createPgAdapter, pgConnectionFields, redactDatabaseUrl, withDatabase } from './connection';

describe('pgConnectionFields', () => {
  it('splits a URL into the fields pg gets', () => {
    expect(pgConnectionFields('postgresql://seckill:secret@127.0.0.1:5432/seckill_order')).toEqual({
      host: '127.0.0.1',
      port: 5432,
      user: 'seckill',
      password: 'secret',
      database: 'seckill_order',
    });
  });

  it('decodes percent-encoded credentials and defaults the port', () => {
    expect(pgConnectionFields('postgres://a%40b:p%2Fw%3A%40@db.internal/x')).toMatchObject({
      host: 'db.internal',
      port: 5432,
      user: 'a@b',
      password: 'p/w:@',
      database: 'x',
    });
  });

  it('takes a unix socket directory from ?host= and unbrackets IPv6', () => {
    expect(pgConnectionFields('postgresql://u:p@localhost/db?host=/var/run/postgresql').host).toBe(
      '/var/run/postgresql',
    );
    expect(pgConnectionFields('postgresql://u:p@[::1]:6543/db')).toMatchObject({
      host: '::1',
      port: 6543,
    });
  });

  it('rejects what it cannot use, without echoing the password', () => {
    expect(() => pgConnectionFields('mysql://u:hunter2@h/db')).toThrow(/unsupported.*\*\*\*/);
    expect(() => pgConnectionFields('postgresql://u:hunter2@h:5432/')).toThrow(/no database name/);
    expect(() => pgConnectionFields('not a url')).toThrow(/invalid database URL/);
    expect(() => pgConnectionFields('postgresql://u:hunter2@h:5432/')).not.toThrow(/hunter2/);
  });
});

describe('withDatabase / redactDatabaseUrl', () => {
  it('swaps the database and keeps the rest', () => {
    const url = withDatabase('postgresql://u:p%40@h:5433/main?sslmode=disable', 'mig_1');
    expect(pgConnectionFields(url)).toEqual({
      host: 'h',
      port: 5433,
      user: 'u',
      password: 'p@',
      database: 'mig_1',
    });
    expect(url).toContain('sslmode=disable');
  });

  it('masks the password', () => {
    expect(redactDatabaseUrl('postgresql://seckill:seckill@127.0.0.1:5432/x')).toBe(
      'postgresql://seckill:***@127.0.0.1:5432/x',
    );
    expect(redactDatabaseUrl('postgresql://127.0.0.1/x')).toBe('postgresql://127.0.0.1/x');
  });
});

describe('createPgAdapter', () => {
  it('returns the Prisma driver adapter factory for a service client', () => {
    const adapter = createPgAdapter('postgresql://u:p@127.0.0.1:5432/db', { poolSize: 4 });
    expect(adapter).toBeInstanceOf(PrismaPg);
    expect(adapter.provider).toBe('postgres');
  });
});
