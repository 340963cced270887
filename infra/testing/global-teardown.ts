import { infraDown } from '../local/infra';

export default async function globalTeardown(): Promise<void> {
  if (process.env.SECKILL_TEST_STARTED_INFRA === '1' && process.env.SECKILL_KEEP_INFRA !== '1') {
    await infraDown({ log: (line) => process.stdout.write(`[infra] ${line}\n`) });
  }
}
