/**
 * Headless Chromium for the page tests: Debian's `chromium` (installed by the project's scripts
 * when missing), driven by playwright-core, with the flags that keep it off the network: this
 * machine reaches only package registries, and Chromium's background fetches would be refused.
 */
import * as fs from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { ensurePackages } from '../local/infra-apt';
import { infraLayout } from '../local/infra-paths';
import type { Log } from '../local/progress';

export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
] as const;

export async function launchChromium(log: Log): Promise<Browser> {
  await ensurePackages(
    [
      { pkg: 'chromium', why: 'the page tests', present: () => fs.existsSync(CHROMIUM) },
      // The page quotes the seed's section titles, in Chinese; without a CJK font they are boxes.
      {
        pkg: 'fonts-wqy-microhei',
        why: "the seed's Chinese titles on screenshots",
        present: () => fs.existsSync('/usr/share/fonts/truetype/wqy/wqy-microhei.ttc'),
      },
    ],
    log,
    infraLayout().logDir,
  );
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS] });
}
