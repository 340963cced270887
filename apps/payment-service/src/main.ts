import { loadConfigOrExit } from '@seckill/config';
import { runService } from '@seckill/service-kit';
import { configSchema, SERVICE } from './config';
import { PaymentServiceModule } from './payment-service.module';

const config = loadConfigOrExit(SERVICE, configSchema);
void runService({ service: SERVICE, config, module: PaymentServiceModule.register(config) });
