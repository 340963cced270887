import { npmScript } from './npm-script';

/** Stops the shop whole-shop-setup.ts started (the control room, the services, the infra). */
export default async function wholeShopTeardown(): Promise<void> {
  if (process.env.SECKILL_WHOLE_SHOP_STARTED !== '1') return;
  await npmScript(['shop', '--', 'stop'], 180_000, (line) =>
    process.stdout.write(`[whole shop] ${line}\n`),
  );
}
