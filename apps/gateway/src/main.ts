import { loadConfigOrExit } from '@seckill/config';
import { runService } from '@seckill/service-kit';
import { BODY_LIMIT_BYTES, configSchema, SERVICE } from './config';
import { GatewayModule } from './gateway.module';

const config = loadConfigOrExit(SERVICE, configSchema);
void runService({
  service: SERVICE,
  config,
  module: GatewayModule.register(config),
  bodyLimit: BODY_LIMIT_BYTES,
});
