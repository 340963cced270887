import { SERVICES } from '../local/services';
import { DATABASE_SERVICES, localTarget } from './target';

describe('the databases the verifier reads', () => {
  it("are exactly the services that own one (a new service's database cannot go unchecked)", () => {
    const owners = SERVICES.filter((s) => s.database !== null).map((s) => s.name);
    expect([...DATABASE_SERVICES].sort()).toEqual([...owners].sort());
  });

  it("point each service at its own database, also on another server's URL", () => {
    const target = localTarget({ postgresUrl: 'postgresql://u:p@db.example:6543/postgres' });
    for (const service of DATABASE_SERVICES) {
      const own = SERVICES.find((s) => s.name === service)?.database;
      expect(new URL(target.databases[service]).pathname).toBe(`/${own}`);
      expect(new URL(target.databases[service]).host).toBe('db.example:6543');
    }
  });
});
