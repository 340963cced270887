import { loadConfigOrExit } from '@seckill/config';
import { runService } from '@seckill/service-kit';
import { configSchema, SERVICE } from './config';
import { NotificationServiceModule } from './notification-service.module';

const config = loadConfigOrExit(SERVICE, configSchema);
void runService({ service: SERVICE, config, module: NotificationServiceModule.register(config) });
