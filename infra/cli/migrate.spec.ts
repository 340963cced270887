import { endpointsFromEnv, hintFor, parseArgs, UsageError } from './migrate';

describe('db:migrate arguments', () => {
  it('deploys by default, for all services or one', () => {
    expect(parseArgs([])).toEqual({ kind: 'deploy', service: null });
    expect(parseArgs(['--service', 'order-service'])).toEqual({
      kind: 'deploy',
      service: 'order-service',
    });
    expect(parseArgs(['deploy', '--service=payment-service'])).toEqual({
      kind: 'deploy',
      service: 'payment-service',
    });
  });

  it('parses status, check, new and resolve', () => {
    expect(parseArgs(['status'])).toEqual({ kind: 'status', service: null });
    expect(parseArgs(['check', '--service', 'inventory-service'])).toEqual({
      kind: 'check',
      service: 'inventory-service',
    });
    expect(parseArgs(['new', 'logistics-service', 'add_shipments'])).toEqual({
      kind: 'new',
      service: 'logistics-service',
      name: 'add_shipments',
      empty: false,
    });
    expect(parseArgs(['new', 'order-service', 'backfill', '--empty'])).toMatchObject({
      empty: true,
    });
    expect(parseArgs(['resolve', 'order-service', '--rolled-back', '20260101000000_x'])).toEqual({
      kind: 'resolve',
      service: 'order-service',
      migration: '20260101000000_x',
      as: 'rolled-back',
    });
    expect(parseArgs(['--help'])).toEqual({ kind: 'help' });
  });

  it.each([
    [['frob'], /unknown command "frob"/],
    [['deploy', '--force'], /unknown option --force/],
    [['deploy', '--service'], /--service needs a value/],
    [['deploy', '--service='], /--service takes a service name/],
    [['status', '--service', 'gateway'], /gateway has no database/],
    [['check', '--service', 'nope'], /unknown service "nope"/],
    [['new', 'order-service'], /"new" takes a service and a migration name/],
    [['resolve', 'order-service', '20260101000000_x'], /--rolled-back <migration> or --applied/],
  ])('rejects %j with a usage error', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe('db:migrate connection', () => {
  it("defaults to the local runner's PostgreSQL", () => {
    expect(endpointsFromEnv({}).postgres).toEqual({
      host: '127.0.0.1',
      port: 5432,
      user: 'seckill',
      password: 'seckill',
    });
  });

  it('lets the libpq variables override it', () => {
    expect(
      endpointsFromEnv({ PGHOST: 'db', PGPORT: '6543', PGUSER: 'u', PGPASSWORD: '' }).postgres,
    ).toEqual({ host: 'db', port: 6543, user: 'u', password: '' });
    expect(() => endpointsFromEnv({ PGPORT: 'x' })).toThrow(/PGPORT is not a port/);
  });

  it('hints at the usual causes', () => {
    expect(hintFor("Can't reach database server at `127.0.0.1:5432`")).toMatch(
      /npm run infra -- up/,
    );
    expect(hintFor('Database `seckill_order` does not exist')).toMatch(
      /creates the service databases/,
    );
    expect(hintFor('permission denied to create database')).toMatch(/CREATEDB/);
    expect(hintFor('something else')).toBeNull();
  });
});
