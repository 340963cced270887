import { infraLayout, kafkaBrokerAddresses } from './infra-paths';
import {
  KAFKA_VERSION,
  KAFKA_VERSION_ENV,
  brokerPort,
  brokersFor,
  controllerPort,
  javaArgs,
  kafkaPaths,
  kafkaVersion,
  newClusterId,
  storageFormatArgs,
  profileFor,
  renderServerProperties,
} from './kafka';

function parseProps(text: string): Map<string, string> {
  return new Map(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]),
  );
}

describe('renderServerProperties', () => {
  it('single broker: combined KRaft node, RF 1, no auto topic creation', () => {
    const p = parseProps(
      renderServerProperties({
        nodeId: 1,
        brokers: 1,
        host: '127.0.0.1',
        logDirs: '/d/node-1/data',
      }),
    );
    expect(p.get('process.roles')).toBe('broker,controller');
    expect(p.get('node.id')).toBe('1');
    expect(p.get('controller.quorum.voters')).toBe('1@127.0.0.1:19092');
    expect(p.get('listeners')).toBe('PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:19092');
    expect(p.get('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:9092');
    expect(p.get('log.dirs')).toBe('/d/node-1/data');
    expect(p.get('auto.create.topics.enable')).toBe('false');
    expect(p.get('default.replication.factor')).toBe('1');
    expect(p.get('min.insync.replicas')).toBe('1');
    expect(p.get('offsets.topic.replication.factor')).toBe('1');
    expect(p.get('transaction.state.log.replication.factor')).toBe('1');
    expect(p.get('transaction.state.log.min.isr')).toBe('1');
  });

  it('three brokers: RF 3, min.insync.replicas 2, all three voters, per-node ports', () => {
    const p = parseProps(
      renderServerProperties({
        nodeId: 3,
        brokers: 3,
        host: '127.0.0.1',
        logDirs: '/d/node-3/data',
      }),
    );
    expect(p.get('node.id')).toBe('3');
    expect(p.get('controller.quorum.voters')).toBe(
      '1@127.0.0.1:19092,2@127.0.0.1:19093,3@127.0.0.1:19094',
    );
    expect(p.get('listeners')).toBe('PLAINTEXT://127.0.0.1:9094,CONTROLLER://127.0.0.1:19094');
    expect(p.get('default.replication.factor')).toBe('3');
    expect(p.get('min.insync.replicas')).toBe('2');
    expect(p.get('offsets.topic.replication.factor')).toBe('3');
    expect(p.get('transaction.state.log.replication.factor')).toBe('3');
    expect(p.get('transaction.state.log.min.isr')).toBe('2');
    expect(p.get('auto.create.topics.enable')).toBe('false');
  });

  it('ports line up with the advertised broker addresses', () => {
    expect([1, 2, 3].map(brokerPort)).toEqual([9092, 9093, 9094]);
    expect([1, 2, 3].map(controllerPort)).toEqual([19092, 19093, 19094]);
    expect(kafkaBrokerAddresses(3)).toEqual(['127.0.0.1:9092', '127.0.0.1:9093', '127.0.0.1:9094']);
    expect(kafkaBrokerAddresses(1)).toEqual(['127.0.0.1:9092']);
  });
});

describe('cluster id', () => {
  it('is 16 bytes in unpadded base64url (22 characters)', () => {
    expect(newClusterId(() => Buffer.alloc(16, 0xff))).toBe('_____________________w');
    expect(newClusterId()).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('never starts with "-", which a command line would read as an option: it draws again', () => {
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x01)]; // "-Pj4..." then "AQEB..."
    const id = newClusterId(() => draws.shift() ?? Buffer.alloc(16));
    expect(id).toBe(Buffer.alloc(16, 0x01).toString('base64url'));
    expect(draws).toHaveLength(0);
  });

  it('reaches kafka-storage as one "--cluster-id=<id>" argument, so even a saved "-…" id parses', () => {
    expect(storageFormatArgs('-W3WI9xbM-bKgrYQKgnTBQ', '/d/server.properties')).toEqual([
      'format',
      '--cluster-id=-W3WI9xbM-bKgrYQKgnTBQ',
      '--config',
      '/d/server.properties',
      '--ignore-formatted',
    ]);
  });
});

describe('javaArgs', () => {
  it('keeps the heap modest and logs through the log4j2 config', () => {
    const args = javaArgs({
      libsDir: '/c/libs',
      log4jConfig: '/r/infra/kafka/log4j2.xml',
      logsDir: '/r/.data/logs/kafka-1',
      mainClass: 'kafka.Kafka',
      args: ['/p/server.properties'],
    });
    expect(args).toContain('-Xmx512m');
    expect(args).toContain('-Dlog4j2.configurationFile=/r/infra/kafka/log4j2.xml');
    expect(args).toContain('-Dkafka.logs.dir=/r/.data/logs/kafka-1');
    expect(args.slice(-4)).toEqual(['-cp', '/c/libs/*', 'kafka.Kafka', '/p/server.properties']);
  });
});

describe('version and profiles', () => {
  const saved = process.env[KAFKA_VERSION_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[KAFKA_VERSION_ENV];
    else process.env[KAFKA_VERSION_ENV] = saved;
  });

  it('uses the pinned version unless overridden with a valid one', () => {
    delete process.env[KAFKA_VERSION_ENV];
    expect(kafkaVersion()).toBe(KAFKA_VERSION);
    process.env[KAFKA_VERSION_ENV] = '3.9.2';
    expect(kafkaVersion()).toBe('3.9.2');
    process.env[KAFKA_VERSION_ENV] = 'latest';
    expect(() => kafkaVersion()).toThrow(/is not a version/);
  });

  it('maps broker counts to profiles with separate data dirs', () => {
    expect(profileFor(1)).toBe('single');
    expect(profileFor(3)).toBe('cluster');
    expect(brokersFor('cluster')).toBe(3);
    const single = kafkaPaths(infraLayout('/r'), 'single', '4.4.0');
    const cluster = kafkaPaths(infraLayout('/r'), 'cluster', '4.4.0');
    expect(single.libsDir).toBe('/r/.cache/kafka-4.4.0/libs');
    expect(single.dataDir(1)).toBe('/r/.data/kafka/single/node-1/data');
    expect(cluster.dataDir(2)).toBe('/r/.data/kafka/cluster/node-2/data');
    expect(cluster.pidFile(2)).toBe('/r/.data/pids/kafka-2.pid');
    expect(cluster.outFile(3)).toBe('/r/.data/logs/kafka-3.out');
  });
});
