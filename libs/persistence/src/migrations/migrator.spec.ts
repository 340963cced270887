import { MigrationError, toMigrationError } from './migrator';

const URL = 'postgresql://seckill:secret@127.0.0.1:5432/seckill_order';
const noRegistry = { consumeError: () => undefined };

describe('toMigrationError', () => {
  it('names the action and the database, masks the password and drops the engine span trace', () => {
    const engineError = new Error(
      'Database `seckill_order` does not exist\n   0: schema_engine_wasm::wasm::engine::ApplyMigrations\n           at engine.rs:1',
    );
    const error = toMigrationError(engineError, 'apply migrations', URL, noRegistry, undefined);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error.message).toBe(
      'cannot apply migrations on postgresql://seckill:***@127.0.0.1:5432/seckill_order: Database `seckill_order` does not exist',
    );
    expect(error.cause).toBe(engineError);
  });

  it("replaces the engine's external error id with the adapter's own error", () => {
    const original = new Error('permission denied to create database');
    const registry = { consumeError: (id: number) => (id === 3 ? { error: original } : undefined) };
    const error = toMigrationError(
      new Error('Failed to connect to the shadow database\nExternal error id#3'),
      'diff migrations against the schema',
      URL,
      registry,
      undefined,
    );
    expect(error.message).toMatch(/shadow database\npermission denied to create database$/);
    expect(error.cause).toBe(original);
  });

  it("adds the database's own words to a mapped connector error, and keeps Prisma's code", () => {
    const error = toMigrationError(
      { code: 'P3018', message: 'external connector error\nNo such table: missing' },
      'apply migrations',
      URL,
      noRegistry,
      'relation "missing" does not exist (SQLSTATE 42P01)',
    );
    expect(error.code).toBe('P3018');
    expect(error.message).toMatch(
      /: P3018 No such table: missing\ndatabase error: relation "missing" does not exist \(SQLSTATE 42P01\)$/,
    );
  });
});
