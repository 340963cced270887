import { SERVICES } from './services';
import { infraLayout } from './infra-paths';
import {
  databaseSql,
  initdbArgs,
  osUser,
  postgresPaths,
  postgresServerArgs,
  quoteIdent,
  quoteLiteral,
  roleSql,
  serviceDatabases,
  untraversableAncestor,
} from './postgres';

describe('serviceDatabases', () => {
  it('is every database named in SERVICES, once', () => {
    const expected = SERVICES.map((s) => s.database).filter((d) => d !== null);
    expect(serviceDatabases()).toEqual(expected);
    expect(serviceDatabases()).toContain('seckill_order');
  });
});

describe('server arguments', () => {
  it('listen on loopback with our port and socket dir', () => {
    const args = postgresServerArgs({
      dataDir: '/d/data',
      socketDir: '/d/run',
      port: 5432,
      host: '127.0.0.1',
    });
    expect(args.slice(0, 2)).toEqual(['-D', '/d/data']);
    const settings = new Map<string, string>();
    for (let i = 2; i < args.length; i += 2) {
      expect(args[i]).toBe('-c');
      const [k, v] = args[i + 1].split('=');
      settings.set(k, v);
    }
    expect(settings.get('listen_addresses')).toBe('127.0.0.1');
    expect(settings.get('port')).toBe('5432');
    expect(settings.get('unix_socket_directories')).toBe('/d/run');
  });

  it('initdb: scram over TCP, trust only on the private socket', () => {
    expect(initdbArgs('/d/data')).toEqual(
      expect.arrayContaining([
        '-D',
        '/d/data',
        '-U',
        'postgres',
        '--auth-host=scram-sha-256',
        '--auth-local=trust',
      ]),
    );
  });
});

describe('SQL rendering', () => {
  it('quotes identifiers and literals', () => {
    expect(quoteIdent('seckill')).toBe('"seckill"');
    expect(quoteIdent('we"ird')).toBe('"we""ird"');
    expect(quoteLiteral("o'clock")).toBe("'o''clock'");
  });

  it('creates the role only if missing and always resets its flags and password', () => {
    const [create, alter] = roleSql('seckill', 'seckill');
    expect(create).toContain("IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'seckill')");
    expect(create).toContain('CREATE ROLE "seckill"');
    expect(alter).toBe(`ALTER ROLE "seckill" WITH LOGIN CREATEDB PASSWORD 'seckill'`);
  });

  it('creates a missing database owned by the role, re-owns an existing one', () => {
    expect(databaseSql('seckill_order', 'seckill', false)).toBe(
      `CREATE DATABASE "seckill_order" OWNER "seckill" ENCODING 'UTF8' TEMPLATE template0`,
    );
    expect(databaseSql('seckill_order', 'seckill', true)).toBe(
      'ALTER DATABASE "seckill_order" OWNER TO "seckill"',
    );
  });
});

describe('osUser', () => {
  it('reads uid and gid from passwd text', () => {
    const passwd =
      'root:x:0:0:root:/root:/bin/bash\npostgres:x:101:104:PostgreSQL:/var/lib/postgresql:/bin/bash\n';
    expect(osUser('postgres', passwd)).toEqual({ uid: 101, gid: 104 });
    expect(osUser('nobody-here', passwd)).toBeNull();
  });
});

describe('untraversableAncestor', () => {
  const pg = { uid: 101, gid: 104 };
  const tree: Record<string, { mode: number; uid: number; gid: number }> = {
    '/': { mode: 0o755, uid: 0, gid: 0 },
    '/root': { mode: 0o700, uid: 0, gid: 0 },
    '/root/repo': { mode: 0o755, uid: 0, gid: 0 },
    '/work': { mode: 0o755, uid: 0, gid: 0 },
    '/work/repo': { mode: 0o750, uid: 0, gid: 104 },
    '/srv': { mode: 0o750, uid: 0, gid: 0 },
  };
  const stat = (p: string): { mode: number; uid: number; gid: number } | null => tree[p] ?? null;

  it('accepts a chain the user can traverse (other x, or group x for its group)', () => {
    expect(untraversableAncestor('/work/repo/.data/postgres', pg, stat)).toBeNull();
  });

  it('names the first directory the user cannot enter', () => {
    expect(untraversableAncestor('/root/repo/.data/postgres', pg, stat)).toBe('/root');
    expect(untraversableAncestor('/srv/x', pg, stat)).toBe('/srv');
  });
});

describe('postgresPaths', () => {
  it('keeps the cluster and its socket under .data/postgres', () => {
    const p = postgresPaths(infraLayout('/work/main'), null);
    expect(p.dataDir).toBe('/work/main/.data/postgres/data');
    expect(p.socketDir).toBe('/work/main/.data/postgres/run');
    expect(p.pidFile).toBe('/work/main/.data/pids/postgres.pid');
    expect(p.logFile).toBe('/work/main/.data/logs/postgres.log');
    expect(p.note).toBeUndefined();
  });

  it('moves the socket to the temp dir when the path would exceed the unix socket limit', () => {
    const deep = `/work/${'very-long-directory-name/'.repeat(4)}repo`;
    const p = postgresPaths(infraLayout(deep), null);
    expect(p.dataDir.startsWith(deep)).toBe(true);
    expect(p.socketDir.length).toBeLessThan(90);
    expect(p.socketDir).toMatch(/seckill-pg-[0-9a-f]{8}$/);
  });
});
