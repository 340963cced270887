/**
 * The Docker way to run the shop (docker-compose.yml, docker-compose.cluster.yml, the Dockerfile,
 * the Prometheus configuration) checked without a Docker engine, against the sources of
 * truth the local runner uses: infra/local/services.ts (services, ports, databases, entry points,
 * environment), each app's config schema (apps/<service>/src/config.ts), the pinned Kafka version
 * and broker ports (infra/local/kafka.ts) and the migrate / topics CLIs.
 *
 * Needs Debian's docker-compose package (Compose v1.29, Python): it validates the files
 * (`docker-compose config -q`) and prints the fully merged and interpolated model, which is
 * parsed with its own dependency python3-yaml. Compose v2 (`docker-compose` 2.x) works as well.
 * No Docker engine is contacted.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { z } from 'zod';
import { DEFAULT_TOPIC_PARTITIONS } from '@seckill/contracts';
import { endpointsFromEnv } from '../cli/migrate';
import { loadControlRoomConfig, serviceUrl } from '../control-room/config';
import { brokerPort, KAFKA_VERSION } from '../local/kafka';
import { jaegerImageVersion, jaegerVersion } from '../local/jaeger';
import { prometheusModuleVersion, promtoolVersion } from '../local/promtool';
import {
  type InfraEndpoints,
  SERVICE_NAMES,
  SERVICES,
  type ServiceName,
  serviceEnv,
  type ServiceSpec,
} from '../local/services';

const ROOT = path.resolve(__dirname, '..', '..');
const BASE_FILE = 'docker-compose.yml';
const CLUSTER_FILE = 'docker-compose.cluster.yml';
const INSTALL_HINT =
  'docker-compose is not installed. It validates docker-compose.yml without a Docker engine: ' +
  'apt-get install -y --no-install-recommends docker-compose (Debian 12; .ci/run does this).';

// ---------------------------------------------------------------------------------------------
// Running docker-compose and reading YAML

interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], input?: string): RunResult {
  const result = spawnSync(command, args, {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    // Only what the tools need: a developer's POSTGRES_PASSWORD or COMPOSE_FILE must not change
    // what is checked, so every ${VAR:-default} resolves to its default.
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? tmpdir(),
      LANG: 'C.UTF-8',
    },
  });
  if (result.error) {
    if ((result.error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(command === 'docker-compose' ? INSTALL_HINT : `${command} is not installed`);
    }
    throw result.error;
  }
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (exit ${String(result.status)}):\n${result.stderr}${result.stdout}`,
    );
  }
  return { stdout: result.stdout, stderr: result.stderr };
}

/** Where `command` is found on PATH, or null. */
function which(command: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

/**
 * The Python that has PyYAML: the interpreter of Debian's docker-compose script (its package
 * depends on python3-yaml), not whatever `python3` is first on PATH (pyenv, a venv...).
 */
function yamlPython(): string {
  const composePath = which('docker-compose');
  if (!composePath) throw new Error(INSTALL_HINT);
  const firstLine = readFileSync(composePath, { encoding: 'latin1' }).slice(0, 200).split('\n')[0];
  const shebang = /^#!\s*(\S*python\S*)/.exec(firstLine);
  return shebang ? shebang[1] : 'python3';
}

/** YAML to plain data with python3-yaml, a dependency of Debian's docker-compose. */
function parseYaml(text: string): unknown {
  const script = 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)';
  try {
    return JSON.parse(run(yamlPython(), ['-c', script], text).stdout) as unknown;
  } catch (error) {
    throw new Error(
      `cannot parse YAML with python3-yaml (a dependency of docker-compose): ${(error as Error).message}`,
      { cause: error },
    );
  }
}

let emptyEnvDir: string;

/** `docker-compose -f a -f b <args>`, with an empty env file so a local .env changes nothing. */
function compose(files: readonly string[], args: readonly string[]): RunResult {
  return run('docker-compose', [
    '--project-directory',
    ROOT,
    '--env-file',
    path.join(emptyEnvDir, 'empty.env'),
    ...files.flatMap((f) => ['-f', path.join(ROOT, f)]),
    ...args,
  ]);
}

// ---------------------------------------------------------------------------------------------
// The merged compose model, normalised across Compose v1 and v2 output

interface ComposeService {
  readonly image?: string;
  readonly build?: { context: string; target?: string; dockerfile?: string };
  readonly command?: string[] | string;
  readonly environment?: Record<string, string | number | boolean | null>;
  readonly ports?: Array<
    string | { target: number; published?: string | number; host_ip?: string }
  >;
  readonly depends_on?: Record<string, { condition?: string }> | string[];
  readonly healthcheck?: { test?: string[] | string; disable?: boolean };
  readonly volumes?: Array<
    string | { type?: string; source?: string; target: string; read_only?: boolean }
  >;
  readonly init?: boolean;
  readonly stop_grace_period?: string;
  readonly restart?: string;
}

interface ComposeModel {
  readonly services: Record<string, ComposeService>;
  readonly volumes?: Record<string, unknown>;
}

interface PortMapping {
  readonly hostIp: string | null;
  readonly published: number | null;
  readonly target: number;
}

function portsOf(svc: ComposeService): PortMapping[] {
  return (svc.ports ?? []).map((p) => {
    if (typeof p !== 'string') {
      return {
        hostIp: p.host_ip ?? null,
        published: p.published === undefined ? null : Number(p.published),
        target: Number(p.target),
      };
    }
    const parts = p.replace(/\/(tcp|udp)$/, '').split(':');
    const target = Number(parts.pop());
    const published = parts.length ? Number(parts.pop()) : null;
    return { hostIp: parts.pop() ?? null, published, target };
  });
}

function envOf(svc: ComposeService): Record<string, string> {
  return Object.fromEntries(
    Object.entries(svc.environment ?? {}).map(([k, v]) => [k, v === null ? '' : String(v)]),
  );
}

function dependsOn(svc: ComposeService): Record<string, string> {
  const deps = svc.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, 'service_started']));
  return Object.fromEntries(
    Object.entries(deps).map(([name, d]) => [name, d.condition ?? 'service_started']),
  );
}

function commandOf(svc: ComposeService): string[] {
  const c = svc.command ?? [];
  return typeof c === 'string' ? c.split(/\s+/) : c;
}

function mountsOf(svc: ComposeService): Array<{ source: string; target: string }> {
  return (svc.volumes ?? []).map((v) => {
    if (typeof v !== 'string') return { source: v.source ?? '', target: v.target };
    const [source, target] = v.split(':');
    return { source, target };
  });
}

function kafkaNodes(model: ComposeModel): string[] {
  return Object.keys(model.services)
    .filter((name) => /^kafka-\d+$/.test(name))
    .sort();
}

function service(model: ComposeModel, name: string): ComposeService {
  const svc = model.services[name];
  if (!svc) throw new Error(`no service "${name}" in the compose model`);
  return svc;
}

// ---------------------------------------------------------------------------------------------
// The apps' config schemas, loaded by path for every service of services.ts (apps/ may not be
// imported statically from infra/: module boundaries)

interface AppConfigModule {
  readonly SERVICE: string;
  readonly configSchema: z.ZodObject;
}

const schemas = new Map<ServiceName, AppConfigModule>();

/** A key is required when the schema rejects its absence (no default, not optional). */
function requiredKeys(schema: z.ZodObject): string[] {
  return Object.entries(schema.shape)
    .filter(([, field]) => !(field as z.ZodType).safeParse(undefined).success)
    .map(([key]) => key);
}

const LOCAL_ENDPOINTS: InfraEndpoints = {
  postgres: { host: '127.0.0.1', port: 5432, user: 'seckill', password: 'seckill' },
  redisUrl: 'redis://127.0.0.1:6379',
  kafkaBrokers: ['127.0.0.1:9092'],
};

// ---------------------------------------------------------------------------------------------
// The Dockerfile, as stages of logical lines

interface Stage {
  readonly name: string;
  readonly from: string;
  readonly lines: string[];
}

function dockerfileStages(text: string): { args: Record<string, string>; stages: Stage[] } {
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of logical) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) {
      stages.push({ name: from[2] ?? String(stages.length), from: from[1], lines: [] });
      continue;
    }
    const arg = /^ARG\s+(\w+)=(\S+)/i.exec(line);
    if (arg && stages.length === 0) args[arg[1]] = arg[2];
    stages.at(-1)?.lines.push(line);
  }
  return { args, stages };
}

function stage(stages: readonly Stage[], name: string): Stage {
  const found = stages.find((s) => s.name === name);
  if (!found) throw new Error(`the Dockerfile has no stage "${name}"`);
  return found;
}

// ---------------------------------------------------------------------------------------------

let single: ComposeModel;
let cluster: ComposeModel;
let validation: Array<{ files: string[]; stderr: string }>;

beforeAll(async () => {
  emptyEnvDir = mkdtempSync(path.join(tmpdir(), 'seckill-compose-'));
  writeFileSync(path.join(emptyEnvDir, 'empty.env'), '');
  validation = [[BASE_FILE], [BASE_FILE, CLUSTER_FILE]].map((files) => ({
    files,
    stderr: compose(files, ['config', '-q']).stderr,
  }));
  single = parseYaml(compose([BASE_FILE], ['config']).stdout) as ComposeModel;
  cluster = parseYaml(compose([BASE_FILE, CLUSTER_FILE], ['config']).stdout) as ComposeModel;
  for (const svc of SERVICES) {
    const modulePath = path.join(ROOT, 'apps', svc.name, 'src', 'config');
    schemas.set(svc.name, (await import(modulePath)) as AppConfigModule);
  }
}, 120_000);

afterAll(() => {
  if (emptyEnvDir) rmSync(emptyEnvDir, { recursive: true, force: true });
});

const PROFILES = [
  { name: 'single broker (docker-compose.yml)', model: () => single, brokers: 1 },
  { name: 'cluster (+ docker-compose.cluster.yml)', model: () => cluster, brokers: 3 },
] as const;

describe('docker-compose config', () => {
  it('accepts docker-compose.yml alone and with the cluster override', () => {
    const version = run('docker-compose', ['version', '--short']).stdout.trim();
    expect(version).toMatch(/^v?\d+\.\d+/);
    for (const v of validation) {
      // Compose v1 warns "The X variable is not set", v2 "The \"X\" variable is not set".
      expect({ files: v.files, stderr: v.stderr }).toEqual({
        files: v.files,
        stderr: expect.not.stringMatching(/variable is not set/i),
      });
    }
  });

  it('needs no variable from the environment: every ${VAR} has a local default', () => {
    for (const file of [BASE_FILE, CLUSTER_FILE]) {
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      const bare = [...text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]);
      expect({ file, withoutDefault: bare }).toEqual({ file, withoutDefault: [] });
    }
  });

  it('has no literal secret: passwords are ${VAR:-local-default} interpolations', () => {
    for (const model of [single, cluster]) {
      for (const [name, svc] of Object.entries(model.services)) {
        for (const key of Object.keys(envOf(svc)).filter((k) => /PASSWORD/.test(k))) {
          const raw = readFileSync(path.join(ROOT, BASE_FILE), 'utf8');
          const line = raw.split('\n').find((l) => l.trim().startsWith(`${key}:`));
          expect({ service: name, key, line: line?.trim() }).toEqual({
            service: name,
            key,
            line: expect.stringMatching(new RegExp(`^${key}: \\$\\{[A-Z_]+:-[^}]*\\}$`)),
          });
        }
      }
    }
  });

  it('pins every image it pulls (no latest, no bare name)', () => {
    for (const model of [single, cluster]) {
      for (const [name, svc] of Object.entries(model.services)) {
        if (svc.build) continue;
        expect({ service: name, image: svc.image }).toEqual({
          service: name,
          image: expect.stringMatching(/^[\w./-]+:v?\d+(\.\d+)+[\w.-]*$/),
        });
      }
    }
  });
});

describe.each(PROFILES)('the shop services, $name', ({ model, brokers }) => {
  const kafkaHosts = (): string[] => kafkaNodes(model()).map((n) => `${n}:9092`);

  it(`runs ${brokers} Kafka node(s)`, () => {
    expect(kafkaNodes(model())).toEqual(
      Array.from({ length: brokers }, (_, i) => `kafka-${i + 1}`),
    );
  });

  it.each(SERVICE_NAMES)(
    '%s: same port as services.ts, its entry point, the shared image',
    (name) => {
      const spec = SERVICES.find((s) => s.name === name) as ServiceSpec;
      const svc = service(model(), name);
      expect(commandOf(svc)).toEqual(['node', spec.entry]);
      expect(portsOf(svc)).toEqual([
        { hostIp: '127.0.0.1', published: spec.port, target: spec.port },
      ]);
      expect(envOf(svc).PORT).toBe(String(spec.port));
      expect(svc.build?.target).toBe('runtime');
      expect(path.resolve(ROOT, svc.build?.context ?? '')).toBe(ROOT);
      expect(svc.image).toBe(service(model(), 'gateway').image);
      // The readiness probe asks the service's own port for /health/ready.
      expect(JSON.stringify(svc.healthcheck?.test)).toContain('/health/ready');
      expect(JSON.stringify(svc.healthcheck?.test)).toContain('process.env.PORT');
      // Longer than the default SHUTDOWN_TIMEOUT_MS, so a graceful shutdown can finish.
      const shutdownMs = Number(
        (schemas.get(name)?.configSchema.shape.SHUTDOWN_TIMEOUT_MS as z.ZodType).parse(undefined),
      );
      expect(parseDuration(svc.stop_grace_period ?? '10s')).toBeGreaterThan(shutdownMs);
    },
  );

  it('has no compose service that runs an app missing from services.ts', () => {
    const runsApp = Object.entries(model().services)
      .filter(([, svc]) => commandOf(svc).some((part) => part.startsWith('dist/apps/')))
      .map(([name]) => name)
      .sort();
    expect(runsApp).toEqual([...SERVICE_NAMES].sort());
  });

  /*
   * The environment rule, per service:
   *   1. every REQUIRED key of the app's configSchema is set (a key is required when the schema
   *      rejects undefined: no default, not optional);
   *   2. no key outside the configSchema is set (the container gets nothing the app ignores);
   *   3. the names are exactly those the local runner sets (serviceEnv in infra/local/services.ts),
   *      so both ways of running configure the same knobs; a variable with a default may be left
   *      out of both, never out of one;
   *   4. the values pass the app's configSchema.
   */
  it.each(SERVICE_NAMES)(
    '%s: environment names follow the config schema and the local runner',
    (name) => {
      const spec = SERVICES.find((s) => s.name === name) as ServiceSpec;
      const config = schemas.get(name) as AppConfigModule;
      expect(config.SERVICE).toBe(name);
      const env = envOf(service(model(), name));
      const names = Object.keys(env).sort();
      const schemaKeys = Object.keys(config.configSchema.shape);

      expect({
        service: name,
        missingRequired: requiredKeys(config.configSchema).filter((k) => !(k in env)),
      }).toEqual({
        service: name,
        missingRequired: [],
      });
      expect({ service: name, notInSchema: names.filter((k) => !schemaKeys.includes(k)) }).toEqual({
        service: name,
        notInSchema: [],
      });
      expect({ service: name, names }).toEqual({
        service: name,
        names: Object.keys(serviceEnv(spec, LOCAL_ENDPOINTS)).sort(),
      });
      const parsed = config.configSchema.safeParse(env);
      expect({ service: name, issues: parsed.success ? [] : parsed.error.issues }).toEqual({
        service: name,
        issues: [],
      });
    },
  );

  it.each(SERVICE_NAMES)('%s: connection settings point at the right containers', (name) => {
    const spec = SERVICES.find((s) => s.name === name) as ServiceSpec;
    const env = envOf(service(model(), name));
    const pg = envOf(service(model(), 'postgres'));
    const actual: Record<string, unknown> = {};
    const expected: Record<string, unknown> = {};
    if (spec.database) {
      const url = new URL(env.DATABASE_URL);
      actual.DATABASE_URL = {
        host: url.hostname,
        port: url.port,
        database: url.pathname.slice(1),
        user: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
      };
      expected.DATABASE_URL = {
        host: 'postgres',
        port: '5432',
        database: spec.database,
        user: pg.POSTGRES_USER,
        password: pg.POSTGRES_PASSWORD,
      };
    }
    if (spec.usesRedis) {
      const url = new URL(env.REDIS_URL);
      actual.REDIS_URL = `${url.hostname}:${url.port || '6379'}`;
      expected.REDIS_URL = 'redis:6379';
    }
    if (spec.usesKafka) {
      actual.KAFKA_BROKERS = env.KAFKA_BROKERS.split(',');
      expected.KAFKA_BROKERS = kafkaHosts();
    }
    if (name === 'gateway') {
      const orderPort = SERVICES.find((s) => s.name === 'order-service')?.port;
      actual.ORDER_SERVICE_URL = env.ORDER_SERVICE_URL;
      expected.ORDER_SERVICE_URL = `http://order-service:${String(orderPort)}`;
    }
    expect(actual).toEqual(expected);
  });

  it.each(SERVICE_NAMES)(
    '%s: starts after init and the infrastructure it uses are ready',
    (name) => {
      const spec = SERVICES.find((s) => s.name === name) as ServiceSpec;
      const expected: Record<string, string> = {};
      if (spec.database || spec.usesKafka) expected.init = 'service_completed_successfully';
      if (spec.database) expected.postgres = 'service_healthy';
      if (spec.usesRedis) expected.redis = 'service_healthy';
      if (spec.usesKafka)
        for (const node of kafkaNodes(model())) expected[node] = 'service_healthy';
      // The gateway forwards to order-service, so it waits for it.
      if (name === 'gateway') expected['order-service'] = 'service_healthy';
      expect(dependsOn(service(model(), name))).toEqual(expected);
    },
  );

  it('has a healthcheck on everything something waits for with service_healthy', () => {
    const unknown: string[] = [];
    const withoutHealthcheck: string[] = [];
    for (const [name, svc] of Object.entries(model().services)) {
      for (const [dep, condition] of Object.entries(dependsOn(svc))) {
        const target = model().services[dep];
        if (!target) unknown.push(`${name} -> ${dep}`);
        else if (condition === 'service_healthy' && !target.healthcheck?.test) {
          withoutHealthcheck.push(`${name} -> ${dep}`);
        }
      }
    }
    expect({ unknown, withoutHealthcheck }).toEqual({ unknown: [], withoutHealthcheck: [] });
  });

  it('init applies the migrations and provisions the topics against the compose containers', () => {
    const init = service(model(), 'init');
    const env = envOf(init);
    const pg = envOf(service(model(), 'postgres'));
    expect(init.build?.target).toBe('tools');
    const command = commandOf(init).join(' ');
    expect(command).toMatch(/npm run --silent db:migrate -- deploy/);
    expect(command).toMatch(/npm run --silent topics(\s|$)/);
    expect(init.restart).toBe('no');
    // What infra/cli/migrate.ts makes of init's environment.
    expect(endpointsFromEnv(env).postgres).toEqual({
      host: 'postgres',
      port: 5432,
      user: pg.POSTGRES_USER,
      password: pg.POSTGRES_PASSWORD,
    });
    // infra/cli/topics.ts: every broker, so the topics get RF min(3, brokers).
    expect(env.KAFKA_BROKERS.split(',')).toEqual(kafkaHosts());
    expect(Number(env.KAFKA_TOPIC_PARTITIONS)).toBe(DEFAULT_TOPIC_PARTITIONS);
    const expected: Record<string, string> = { postgres: 'service_healthy' };
    for (const node of kafkaNodes(model())) expected[node] = 'service_healthy';
    expect(dependsOn(init)).toEqual(expected);
  });
});

describe('infrastructure containers', () => {
  it('creates every service database of services.ts in the Postgres init script', () => {
    const pg = service(single, 'postgres');
    const initMount = mountsOf(pg).find((m) => m.target === '/docker-entrypoint-initdb.d');
    expect(initMount && path.resolve(ROOT, initMount.source)).toBe(
      path.join(ROOT, 'infra', 'compose', 'postgres-init'),
    );
    const dir = path.join(ROOT, 'infra', 'compose', 'postgres-init');
    const created = readdirSync(dir)
      .filter((f) => f.endsWith('.sql'))
      .flatMap((f) => [
        ...readFileSync(path.join(dir, f), 'utf8').matchAll(/^\s*CREATE DATABASE\s+"?(\w+)"?/gim),
      ])
      .map((m) => m[1])
      .sort();
    const wanted = SERVICES.flatMap((s) => (s.database ? [s.database] : [])).sort();
    expect(created).toEqual(wanted);
  });

  it('runs Redis with AOF on and appendfsync everysec', () => {
    const command = commandOf(service(single, 'redis'));
    expect(command[0]).toBe('redis-server');
    expect(command[command.indexOf('--appendonly') + 1]).toBe('yes');
    expect(command[command.indexOf('--appendfsync') + 1]).toBe('everysec');
    expect(mountsOf(service(single, 'redis')).map((m) => m.target)).toContain('/data');
  });

  describe.each(PROFILES)('Kafka, $name', ({ model, brokers }) => {
    const rf = String(brokers);
    const minIsr = brokers === 3 ? '2' : '1';

    it('runs the local runner’s Kafka version (infra/local/kafka.ts) in KRaft mode', () => {
      for (const node of kafkaNodes(model())) {
        const svc = service(model(), node);
        expect(svc.image).toBe(`apache/kafka:${KAFKA_VERSION}`);
        const env = envOf(svc);
        expect(env.KAFKA_PROCESS_ROLES).toBe('broker,controller');
        expect(env.KAFKA_NODE_ID).toBe(node.replace('kafka-', ''));
        expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe(
          kafkaNodes(model())
            .map((n) => `${n.replace('kafka-', '')}@${n}:9093`)
            .join(','),
        );
        expect(svc.healthcheck?.test).toBeDefined();
        expect(mountsOf(svc)).toContainEqual({
          source: `${node}-data`,
          target: env.KAFKA_LOG_DIRS,
        });
      }
    });

    it(`replicates with RF ${rf} and min.insync.replicas ${minIsr}`, () => {
      for (const node of kafkaNodes(model())) {
        const env = envOf(service(model(), node));
        expect({
          node,
          default: env.KAFKA_DEFAULT_REPLICATION_FACTOR,
          offsets: env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR,
          transactions: env.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR,
          minIsr: env.KAFKA_MIN_INSYNC_REPLICAS,
          transactionsMinIsr: env.KAFKA_TRANSACTION_STATE_LOG_MIN_ISR,
          autoCreate: env.KAFKA_AUTO_CREATE_TOPICS_ENABLE,
        }).toEqual({
          node,
          default: rf,
          offsets: rf,
          transactions: rf,
          minIsr,
          transactionsMinIsr: minIsr,
          autoCreate: 'false',
        });
      }
    });

    it('publishes broker N on the local runner’s port for broker N', () => {
      for (const node of kafkaNodes(model())) {
        const n = Number(node.replace('kafka-', ''));
        const svc = service(model(), node);
        const env = envOf(svc);
        const hostListener = /(?:^|,)HOST:\/\/:(\d+)/.exec(env.KAFKA_LISTENERS)?.[1];
        expect(portsOf(svc)).toEqual([
          { hostIp: '127.0.0.1', published: brokerPort(n), target: Number(hostListener) },
        ]);
        expect(env.KAFKA_ADVERTISED_LISTENERS.split(',').sort()).toEqual(
          [`HOST://127.0.0.1:${brokerPort(n)}`, `PLAINTEXT://${node}:9092`].sort(),
        );
      }
    });

    it('configures every node the same, except its identity', () => {
      const perNode = new Set(['KAFKA_NODE_ID', 'KAFKA_ADVERTISED_LISTENERS']);
      const shared = (node: string): Record<string, string> =>
        Object.fromEntries(
          Object.entries(envOf(service(model(), node))).filter(([k]) => !perNode.has(k)),
        );
      for (const node of kafkaNodes(model())) expect(shared(node)).toEqual(shared('kafka-1'));
    });
  });

  it('keeps the cluster override’s node settings equal to docker-compose.yml’s', () => {
    const clusterOnly = new Set([
      'KAFKA_CONTROLLER_QUORUM_VOTERS',
      'KAFKA_DEFAULT_REPLICATION_FACTOR',
      'KAFKA_MIN_INSYNC_REPLICAS',
      'KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR',
      'KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR',
      'KAFKA_TRANSACTION_STATE_LOG_MIN_ISR',
      'KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR',
      'KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR',
    ]);
    const common = (model: ComposeModel): Record<string, string> =>
      Object.fromEntries(
        Object.entries(envOf(service(model, 'kafka-1'))).filter(([k]) => !clusterOnly.has(k)),
      );
    expect(common(cluster)).toEqual(common(single));
    expect(Object.keys(envOf(service(cluster, 'kafka-1'))).sort()).toEqual(
      Object.keys(envOf(service(single, 'kafka-1'))).sort(),
    );
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const { args, stages } = dockerfileStages(text);
  const base = (s: Stage): string =>
    s.from.replace(/^\$\{(\w+)\}$/, (_, name: string) => args[name] ?? '');

  it('builds from node:24-bookworm-slim, with the stages compose uses', () => {
    expect(args.NODE_IMAGE).toBe('node:24-bookworm-slim');
    for (const name of ['deps', 'build', 'tools', 'prod-deps', 'runtime']) {
      expect(stages.map((s) => s.name)).toContain(name);
    }
    for (const s of stages) {
      expect({ stage: s.name, base: base(s) }).toEqual({
        stage: s.name,
        base: expect.stringMatching(/^(node:24-bookworm-slim|deps|build)$/),
      });
    }
    const targets = [single, cluster].flatMap((model) =>
      Object.values(model.services).flatMap((svc) => (svc.build ? [svc.build.target] : [])),
    );
    expect(new Set(targets)).toEqual(new Set(['runtime', 'tools']));
    expect(stages.map((s) => s.name)).toEqual(expect.arrayContaining(targets));
  });

  it('installs with npm ci: everything to build, production dependencies only to run', () => {
    expect(stage(stages, 'deps').lines.join('\n')).toMatch(/^RUN npm ci\b/m);
    const prod = stage(stages, 'prod-deps').lines.find((l) => l.startsWith('RUN npm ci')) ?? '';
    expect(prod).toContain('--omit=dev');
  });

  it('builds the entry point of every service in services.ts (dist/apps/<service>/src/main.js)', () => {
    const build = stage(stages, 'build').lines.join('\n');
    expect(build).toMatch(/npm run prisma:generate/);
    expect(build).toMatch(/npm run compile/);
    // `npm run compile` writes dist/ (package.json), which the runtime stage copies into WORKDIR.
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.compile).toMatch(/\bswc apps libs -d dist\b/);
    const checked = /for s in ([\w\s-]+?); do/.exec(build)?.[1].trim().split(/\s+/) ?? [];
    expect(checked.sort()).toEqual([...SERVICE_NAMES].sort());
    expect(build).toContain('test -f "dist/apps/$s/src/main.js"');
    for (const svc of SERVICES) expect(svc.entry).toBe(`dist/apps/${svc.name}/src/main.js`);
  });

  it('runs the services as a non-root user from /app, with dist/ and production node_modules', () => {
    const runtime = stage(stages, 'runtime').lines;
    expect(runtime).toContain('WORKDIR /app');
    expect(runtime).toContain('COPY --from=prod-deps /app/ ./');
    expect(runtime).toContain('COPY --from=build /out/ ./');
    expect(stage(stages, 'build').lines.join('\n')).toMatch(/cp -r dist \/out\/dist/);
    const users = runtime.filter((l) => l.startsWith('USER '));
    expect(users.at(-1)).toBe('USER node');
    expect(
      stage(stages, 'tools')
        .lines.filter((l) => l.startsWith('USER '))
        .at(-1),
    ).toBe('USER node');
    for (const s of SERVICES)
      expect(runtime.join(' ')).toMatch(new RegExp(`EXPOSE[\\d ]* ${s.port}\\b`));
  });

  it('keeps what the image builds out of the build context (.dockerignore)', () => {
    const ignore = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of [
      '**/node_modules',
      'dist',
      '**/src/generated',
      '.data',
      '.cache',
      '.git',
    ]) {
      expect(ignore).toContain(entry);
    }
  });
});

describe('the control room', () => {
  it.each([
    ['docker-compose.yml', () => single],
    ['with the cluster override', () => cluster],
  ])('%s: read-only, on 3100, reaching every service by name and every broker', (_, model) => {
    const room = service(model(), 'control-room');
    const env = envOf(room);
    // What infra/control-room/main.ts will make of it: it validates before it starts.
    const config = loadControlRoomConfig(env);
    expect(config.CONTROL_ROOM_ACTIONS).toBe(false);
    expect(config.CONTROL_ROOM_HOST).toBe('0.0.0.0');
    expect(room.ports).toEqual([
      `127.0.0.1:${config.CONTROL_ROOM_PORT}:${config.CONTROL_ROOM_PORT}/tcp`,
    ]);
    for (const svc of SERVICES) {
      expect(Object.keys(model().services)).toContain(
        new URL(serviceUrl(config.CONTROL_ROOM_SERVICE_URL, svc.name, svc.port)).hostname,
      );
    }
    expect(env.KAFKA_BROKERS.split(',')).toEqual(kafkaNodes(model()).map((n) => `${n}:9092`));
    expect(room.build?.target).toBe('tools');
  });
});

describe('Prometheus', () => {
  interface PrometheusConfig {
    rule_files?: string[];
    scrape_configs: Array<{
      job_name: string;
      metrics_path?: string;
      static_configs: Array<{ targets: string[] }>;
    }>;
  }
  const configFile = path.join(ROOT, 'infra', 'prometheus', 'prometheus.yml');
  const config = (): PrometheusConfig =>
    parseYaml(readFileSync(configFile, 'utf8')) as PrometheusConfig;

  it('Prometheus scrapes /metrics of every service on its services.ts port', () => {
    const prom = service(single, 'prometheus');
    const configMount = mountsOf(prom).find((m) => m.target === '/etc/prometheus/prometheus.yml');
    expect(configMount && path.resolve(ROOT, configMount.source)).toBe(configFile);
    const job = config().scrape_configs.find((j) => j.job_name === 'seckill');
    expect(job?.metrics_path ?? '/metrics').toBe('/metrics');
    const targets = (job?.static_configs ?? []).flatMap((c) => c.targets).sort();
    expect(targets).toEqual(SERVICES.map((s) => `${s.name}:${s.port}`).sort());
    for (const t of targets) expect(single.services[t.split(':')[0]]).toBeDefined();
    expect(portsOf(prom)).toContainEqual({ hostIp: '127.0.0.1', published: 9090, target: 9090 });
  });

  it('loads the rules of infra/prometheus/rules, mounted where rule_files points', () => {
    const mounts = mountsOf(service(single, 'prometheus'));
    const rules = mounts.find((m) => m.target === '/etc/prometheus/rules');
    expect(rules && path.resolve(ROOT, rules.source)).toBe(
      path.join(ROOT, 'infra', 'prometheus', 'rules'),
    );
    // Relative to the config file: the same path in the container and in the repository.
    expect(config().rule_files).toEqual(['rules/*.yml']);
    const files = readdirSync(path.join(ROOT, 'infra', 'prometheus', 'rules'));
    expect(files.filter((f) => f.endsWith('.yml')).length).toBeGreaterThan(0);
  });

  it('runs the Prometheus release whose promtool checks the rules (infra/local/promtool.ts)', () => {
    const image = service(single, 'prometheus').image ?? '';
    const tag = /^prom\/prometheus:(v[\d.]+)$/.exec(image)?.[1];
    expect(tag && prometheusModuleVersion(tag)).toBe(promtoolVersion(ROOT));
  });
});

describe('Jaeger', () => {
  it('runs the release the local runner builds (infra/jaeger/go.mod), UI on the host', () => {
    const goMod = readFileSync(path.join(ROOT, 'infra', 'jaeger', 'go.mod'), 'utf8');
    const jaeger = service(single, 'jaeger');
    expect(jaeger.image).toBe(`jaegertracing/jaeger:${jaegerImageVersion(jaegerVersion(goMod))}`);
    expect(portsOf(jaeger)).toContainEqual({
      hostIp: '127.0.0.1',
      published: 16686,
      target: 16686,
    });
  });

  it.each(SERVICE_NAMES)('%s exports its spans to it', (name) => {
    expect(envOf(service(single, name)).OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://jaeger:4318');
  });
});

function parseDuration(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(m[1]) * units[m[2]];
  return total;
}
