/**
 * What the end-to-end tests borrow from the infra tooling project: the services' specs and
 * environment (infra/local/services.ts), migrations, topics, Jaeger, and the verifier. Nx forbids
 * relative imports across projects, and infra has no npm alias; so every import of infra goes
 * through this one file, where the exception is made once (as load-tests/engine/infra.ts does).
 */
/* eslint-disable @nx/enforce-module-boundaries */
export { infraLayout } from '../../../infra/local/infra-paths';
export {
  type JaegerHandle,
  jaegerPorts,
  jaegerUiUrl,
  otlpEndpoint,
  readyJaeger,
  startJaeger,
  stopJaeger,
} from '../../../infra/local/jaeger';
export { migrateAll } from '../../../infra/local/migrate';
export {
  LOCAL_JWT_SECRET,
  SERVICES,
  SERVICE_NAMES,
  type ServiceName,
  type ServiceSpec,
  databaseUrl,
  serviceEnv,
  serviceSpec,
} from '../../../infra/local/services';
export { provisionAllTopics } from '../../../infra/local/topics';
export { localTarget } from '../../../infra/verify/target';
export { verify } from '../../../infra/verify/verify';
