import { infraLayout } from './infra-paths';
import { redisPaths, renderRedisConf } from './redis';

describe('renderRedisConf', () => {
  const conf = renderRedisConf({ host: '127.0.0.1', port: 6379, dir: '/repo/.data/redis' });
  const settings = new Map(
    conf
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)] as [string, string]),
  );

  it('turns AOF on with a once-a-second fsync', () => {
    expect(settings.get('appendonly')).toBe('yes');
    expect(settings.get('appendfsync')).toBe('everysec');
  });

  it('listens on loopback only, in the foreground, with data in .data/redis', () => {
    expect(settings.get('bind')).toBe('127.0.0.1');
    expect(settings.get('port')).toBe('6379');
    expect(settings.get('daemonize')).toBe('no');
    expect(settings.get('dir')).toBe('/repo/.data/redis');
    expect(settings.get('logfile')).toBe('""');
  });
});

describe('redisPaths', () => {
  it('lives under .data', () => {
    expect(redisPaths(infraLayout('/repo'))).toEqual({
      dir: '/repo/.data/redis',
      confFile: '/repo/.data/redis/redis.conf',
      logFile: '/repo/.data/logs/redis.log',
      pidFile: '/repo/.data/pids/redis.pid',
    });
  });
});
