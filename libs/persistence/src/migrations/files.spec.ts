import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LOCK_FILE_CONTENT,
  migrationDirectoryName,
  readMigrationsDirectory,
  readSchemaFiles,
  writeMigration,
} from './files';

describe('migrations directory', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'persistence-files-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lists migrations sorted by name, with their SQL and the lock file', async () => {
    for (const name of ['20260102000000_b', '20260101000000_a']) {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'migration.sql'), `-- ${name}\n`);
    }
    writeFileSync(join(dir, 'migration_lock.toml'), LOCK_FILE_CONTENT);
    writeFileSync(join(dir, 'README.md'), 'not a migration');

    const list = await readMigrationsDirectory(dir);

    expect(list.baseDir).toBe(dir);
    expect(list.lockfile).toEqual({ path: 'migration_lock.toml', content: LOCK_FILE_CONTENT });
    expect(list.migrationDirectories).toEqual([
      {
        path: '20260101000000_a',
        migrationFile: {
          path: 'migration.sql',
          content: { tag: 'ok', value: '-- 20260101000000_a\n' },
        },
      },
      {
        path: '20260102000000_b',
        migrationFile: {
          path: 'migration.sql',
          content: { tag: 'ok', value: '-- 20260102000000_b\n' },
        },
      },
    ]);
  });

  it('passes an unreadable migration to the engine as an error, as the Prisma CLI does', async () => {
    mkdirSync(join(dir, '20260101000000_broken'));
    const list = await readMigrationsDirectory(dir);
    expect(list.migrationDirectories[0].migrationFile.content.tag).toBe('error');
  });

  it('treats a missing directory as no migrations and no lock file', async () => {
    const list = await readMigrationsDirectory(join(dir, 'missing'));
    expect(list.migrationDirectories).toEqual([]);
    expect(list.lockfile.content).toBeNull();
  });

  it('writes a migration and the lock file, and never overwrites one', async () => {
    const written = await writeMigration(dir, '20260101000000_init', 'CREATE TABLE t ();\n');
    expect(readFileSync(join(written, 'migration.sql'), 'utf8')).toBe('CREATE TABLE t ();\n');
    expect(readFileSync(join(dir, 'migration_lock.toml'), 'utf8')).toBe(LOCK_FILE_CONTENT);
    await expect(writeMigration(dir, '20260101000000_init', '')).rejects.toThrow(/already exists/);
  });
});

describe('migrationDirectoryName', () => {
  it("follows Prisma's <UTC timestamp>_<snake_case name>", () => {
    const at = new Date('2026-03-04T05:06:07.890Z');
    expect(migrationDirectoryName('Add reservations!', at)).toBe('20260304050607_add_reservations');
    expect(migrationDirectoryName('init', at)).toBe('20260304050607_init');
  });

  it('sorts after the existing migrations, even within the same second', () => {
    const at = new Date('2026-03-04T05:06:07.890Z');
    expect(migrationDirectoryName('next', at, ['20260304050607_init'])).toBe('20260304050608_next');
    expect(migrationDirectoryName('next', at, ['20260101000000_a', '20270101000000_future'])).toBe(
      '20270101000001_next',
    );
    expect(migrationDirectoryName('next', at, ['20260101000000_a'])).toBe('20260304050607_next');
  });

  it('rejects a name with nothing usable', () => {
    expect(() => migrationDirectoryName(' -- ')).toThrow(/no letters or digits/);
  });
});

describe('readSchemaFiles', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'persistence-schema-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads one schema file, or every *.prisma file of a schema folder', async () => {
    writeFileSync(join(dir, 'schema.prisma'), 'datasource db { provider = "postgresql" }\n');
    mkdirSync(join(dir, 'models'));
    writeFileSync(join(dir, 'models', 'a.prisma'), 'model A { id Int @id }\n');

    expect(await readSchemaFiles(join(dir, 'schema.prisma'))).toHaveLength(1);
    const files = await readSchemaFiles(dir);
    expect(files.map((f) => f.path)).toEqual([
      join(dir, 'models', 'a.prisma'),
      join(dir, 'schema.prisma'),
    ]);
  });

  it('says which schema is missing', async () => {
    await expect(readSchemaFiles(join(dir, 'nope.prisma'))).rejects.toThrow(
      /not found: .*nope\.prisma/,
    );
  });
});
