import { databaseUrl } from './services';
import { infraEndpoints } from './infra';
import { infraLayout, repoRoot } from './infra-paths';
import * as fs from 'node:fs';
import * as path from 'node:path';

describe('infraEndpoints', () => {
  it('describes the single-broker set-up', () => {
    const e = infraEndpoints();
    expect(e).toEqual({
      postgres: { host: '127.0.0.1', port: 5432, user: 'seckill', password: 'seckill' },
      redisUrl: 'redis://127.0.0.1:6379',
      kafkaBrokers: ['127.0.0.1:9092'],
    });
    expect(databaseUrl(e, 'seckill_order')).toBe(
      'postgresql://seckill:seckill@127.0.0.1:5432/seckill_order',
    );
  });

  it('lists three brokers for the cluster profile', () => {
    expect(infraEndpoints(3).kafkaBrokers).toEqual([
      '127.0.0.1:9092',
      '127.0.0.1:9093',
      '127.0.0.1:9094',
    ]);
  });
});

describe('layout', () => {
  it('finds the repository root and keeps state in git-ignored directories', () => {
    const root = repoRoot();
    expect(fs.existsSync(path.join(root, 'package.json'))).toBe(true);
    const layout = infraLayout(root);
    expect(layout.dataDir).toBe(path.join(root, '.data'));
    expect(layout.cacheDir).toBe(path.join(root, '.cache'));
    expect(layout.pidDir).toBe(path.join(root, '.data', 'pids'));
    const ignored = fs.readFileSync(path.join(root, '.gitignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['.data/', '.cache/']));
    expect(fs.existsSync(path.join(layout.kafkaAssetsDir, 'pom.xml'))).toBe(true);
    expect(fs.existsSync(path.join(layout.kafkaAssetsDir, 'log4j2.xml'))).toBe(true);
  });
});
