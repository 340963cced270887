/**
 * The control room in a real browser, against the whole shop the step started
 * (infra/testing/whole-shop-setup.ts): the page goes live, an action without the token is refused,
 * the PeakShaving demo run from its button makes the lag chart rise and fall, and once the sale is
 * quiet the page's counters are the verifier's. Screenshots go to .cache/control-room/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { infraLayout } from '../local/infra-paths';
import { adminToken, controlRoomUrl } from '../local/shop/control-room';
import { localTarget } from '../verify/target';
import { verify } from '../verify/verify';
import { launchChromium } from './browser';
import type { DemoState, RoomSnapshot } from './room-state';

/** The page's state as app.ts exposes it; these functions run inside the page. */
declare const window: {
  readonly controlRoom: { readonly snapshots: RoomSnapshot[]; readonly demo: DemoState | null };
};

const log = (line: string) => process.stdout.write(`[control room] ${line}\n`);
const SHOTS = path.join(infraLayout().root, '.cache', 'control-room');

let browser: Browser;
let page: Page;
/** Uncaught errors of the page's script: the last test fails on any. */
const pageErrors: string[] = [];

beforeAll(async () => {
  browser = await launchChromium(log);
  page = await browser.newPage({ viewport: { width: 1440, height: 1300 } });
  page.on('console', (message) => {
    if (message.type() === 'error') log(`page console: ${message.text()}`);
  });
  page.on('pageerror', (error) => {
    log(`page error: ${error.message}`);
    pageErrors.push(error.message);
  });
  fs.mkdirSync(SHOTS, { recursive: true });
}, 600_000);

afterAll(async () => {
  await browser?.close();
});

const latest = () =>
  page.evaluate(() => window.controlRoom.snapshots.at(-1) ?? null) as Promise<RoomSnapshot | null>;
const demo = () => page.evaluate(() => window.controlRoom.demo) as Promise<DemoState | null>;
const totalLag = (s: RoomSnapshot | null) =>
  s?.lag.ok ? s.lag.value.reduce((n, g) => n + g.total, 0) : 0;

it('goes live, and shows every service ready', async () => {
  await page.goto(controlRoomUrl());
  await page.getByTestId('live').filter({ hasText: 'live' }).waitFor({ timeout: 15_000 });
  await page.waitForFunction(() => window.controlRoom.snapshots.length >= 2, null, {
    timeout: 15_000,
  });
  const snapshot = await latest();
  expect(snapshot?.health.map((h) => [h.service, h.ready])).toEqual(
    [
      'gateway',
      'order-service',
      'inventory-service',
      'payment-service',
      'logistics-service',
      'notification-service',
    ].map((s) => [s, true]),
  );
  // Drawn by uPlot, not by hand: its canvas is in the chart boxes.
  expect(await page.locator('[data-testid=chart-lag] canvas').count()).toBeGreaterThan(0);
});

it('refuses a demo without the admin token, and says why on the page', async () => {
  const answer = page.waitForResponse((r) => r.url().endsWith('/api/demos/peak-shaving'));
  await page.getByTestId('token').fill('');
  await page.locator('button[data-demo=peak-shaving]').click();
  expect((await answer).status()).toBe(401);
  await page.locator('#actions-note.error').filter({ hasText: '401' }).waitFor();
  expect(await demo()).toBeNull();
});

it('runs PeakShaving with the token: the lag rises and falls, and the counters match the verifier', async () => {
  const token = adminToken(infraLayout());
  await page.getByTestId('token').fill(token);
  await page.getByTestId('token').dispatchEvent('change');
  const answer = page.waitForResponse((r) => r.url().endsWith('/api/demos/peak-shaving'));
  await page.locator('button[data-demo=peak-shaving]').click();
  expect((await answer).status()).toBe(202);

  // Watch it as a person would, once a second, until the demo's command ends.
  let peak = 0;
  let shot = false;
  const deadline = Date.now() + 420_000;
  for (;;) {
    const state = await demo();
    const lag = totalLag(await latest());
    peak = Math.max(peak, lag);
    if (!shot && lag > 0) {
      await page.screenshot({ path: path.join(SHOTS, 'flash-sale.png'), fullPage: true });
      shot = true;
    }
    if (state && state.state !== 'running') break;
    if (Date.now() > deadline) throw new Error('PeakShaving did not end within 7 minutes');
    await page.waitForTimeout(1_000);
  }
  const ended = await demo();
  if (ended?.state !== 'passed') log(ended?.lines.slice(-40).join('\n') ?? 'no output');
  expect(ended?.state).toBe('passed');
  log(`the lag peaked at ${peak} events`);
  expect(peak).toBeGreaterThan(0);

  // Quiet now: the next snapshots show it drained, and the page's sale is the demo's.
  await page.waitForFunction(
    () => {
      const s = window.controlRoom.snapshots.at(-1);
      return s?.lag.ok === true && s.lag.value.every((g) => g.total === 0);
    },
    null,
    { timeout: 60_000 },
  );
  const finalSnapshot = await latest();
  const sale = finalSnapshot?.sale.ok ? finalSnapshot.sale.value : null;
  expect(sale).not.toBeNull();
  const report = await verify(localTarget(), { saleId: sale!.saleId, timeoutMs: 60_000 }, log);
  expect(report.ok).toBe(true);
  await page.screenshot({ path: path.join(SHOTS, 'after-the-sale.png'), fullPage: true });

  // What the page shows, as its text: the verifier's orders, and the stock the same in both stores.
  const text = async (id: string) => (await page.getByTestId(id).textContent())?.trim();
  expect(await text('orders-total')).toBe(String(report.orders));
  expect(await text('stock-redis')).toBe(await text('stock-postgres'));
  expect(Number(await text('stock-redis'))).toBe(sale!.stockPostgres);
});

it('ran the page without an uncaught error in its script', () => {
  expect(pageErrors).toEqual([]);
});
