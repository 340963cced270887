import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type RunOptions } from '../process';
import { build, missingPrismaClients } from './build';

describe('build', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'shop-build-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const generate = (svc: string): void => {
    const dir = path.join(root, 'apps', svc, 'src', 'generated', 'prisma');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'client.ts'), '');
  };

  it('lists the services with a database whose client is missing (never the gateway)', () => {
    generate('order-service');
    generate('payment-service');
    expect(missingPrismaClients({ root })).toEqual([
      'inventory-service',
      'logistics-service',
      'notification-service',
    ]);
  });

  it('generates only the missing clients, then compiles, logging both to shop-build.log', async () => {
    for (const s of ['order-service', 'inventory-service', 'payment-service', 'logistics-service'])
      generate(s);
    const calls: Array<{ args: readonly string[]; opts: RunOptions }> = [];
    const lines: string[] = [];
    await build(
      { root, logDir: path.join(root, '.data', 'logs') },
      (l) => lines.push(l),
      async (_cmd, args, opts) => {
        calls.push({ args, opts });
        return { code: 0, stdout: '', stderr: '' };
      },
    );
    expect(calls.map((c) => c.args.join(' '))).toEqual([
      'run --silent prisma:generate -- notification-service',
      'run --silent compile',
    ]);
    expect(
      calls.every((c) => c.opts.logFile === path.join(root, '.data', 'logs', 'shop-build.log')),
    ).toBe(true);
    expect(lines[0]).toBe('prisma generate (notification-service: client missing) ...');
  });

  it('skips prisma generate when every client is there', async () => {
    for (const s of [
      'order-service',
      'inventory-service',
      'payment-service',
      'logistics-service',
      'notification-service',
    ])
      generate(s);
    const calls: string[] = [];
    await build(
      { root, logDir: root },
      () => undefined,
      async (_cmd, args) => {
        calls.push(args.join(' '));
        return { code: 0, stdout: '', stderr: '' };
      },
    );
    expect(calls).toEqual(['run --silent compile']);
  });
});
