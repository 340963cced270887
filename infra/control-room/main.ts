/**
 * `npm run control-room`: the control room on its own (the local runner starts it with the shop,
 * compose as a container). Settings are validated first (config.ts); SIGTERM or SIGINT stops the
 * running demo, closes the streams and the connections, and exits.
 */
import { ConfigError } from '@seckill/config';
import { runningKafkaBrokers } from '../local/infra';
import { repoRoot } from '../local/infra-paths';
import { SERVICES } from '../local/services';
import { localTarget } from '../verify/target';
import { RoomCollector } from './collector';
import { loadControlRoomConfig, serviceUrl } from './config';
import { npmDemoLauncher } from './demo-runner';
import { pageAssets } from './page-assets';
import { RoomServer } from './room-server';
import { command, runCommandLine } from '../cli/command-line';

const CONTROL_ROOM_CLI = {
  name: 'control-room',
  usage: 'npm run control-room',
  description: `The control room on its own (the local runner starts it with the shop, compose as a
container): the shop's live state and the demos, in a browser. Its settings come from the
environment (CONTROL_ROOM_PORT, CONTROL_ROOM_HOST, CONTROL_ROOM_ACTIONS, ...: see
infra/control-room/config.ts). SIGTERM or SIGINT stops it.`,
  command: command({ options: {}, build: () => 'run' as const }),
};

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

async function main(): Promise<void> {
  const config = loadControlRoomConfig();
  const kafkaBrokers = config.KAFKA_BROKERS?.split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  const target = localTarget({
    postgresUrl: config.POSTGRES_URL,
    redisUrl: config.REDIS_URL,
    kafkaBrokers,
  });
  const collector = new RoomCollector({
    services: SERVICES.map((s) => ({
      name: s.name,
      url: serviceUrl(config.CONTROL_ROOM_SERVICE_URL, s.name, s.port),
    })),
    target,
    expectedBrokers: kafkaBrokers?.length ?? runningKafkaBrokers() ?? 1,
  });
  const server = new RoomServer({
    snapshot: () => collector.snapshot(),
    launchDemo: npmDemoLauncher(repoRoot(), process.env),
    actionsEnabled: config.CONTROL_ROOM_ACTIONS,
    adminToken: config.CONTROL_ROOM_ADMIN_TOKEN,
    tracesUrl: config.JAEGER_UI_URL ?? null,
    assets: pageAssets(),
    log,
  });
  collector.start();
  server.start();
  await new Promise<void>((resolve, reject) => {
    server.http.once('error', reject);
    server.http.listen(config.CONTROL_ROOM_PORT, config.CONTROL_ROOM_HOST, resolve);
  });
  log(
    `control room: http://${config.CONTROL_ROOM_HOST}:${config.CONTROL_ROOM_PORT}/ ` +
      `(actions ${config.CONTROL_ROOM_ACTIONS ? 'on: each needs the admin token' : 'off'})`,
  );
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`control room: ${signal}: stopping`);
    Promise.all([server.stop(), collector.stop()]).then(
      () => process.exit(0),
      (error: unknown) => {
        log(`control room: stop failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

const parsed = runCommandLine(CONTROL_ROOM_CLI, process.argv.slice(2));
if (typeof parsed === 'number') process.exit(parsed);

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78); // EX_CONFIG, as the services
  }
  process.stderr.write(
    `control room: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
