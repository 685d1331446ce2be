// Launches Debian's Chromium through playwright-core (never a downloaded browser), with the flags
// this workplace's closed network needs and a fresh profile each time.
import { chromium } from 'playwright-core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export async function launch() {
  const profile = mkdtempSync(join(tmpdir(), 'scalelab-chromium-'));
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Waits until the app has started (it removes the first paint drawn at build time, which looks
 *  the same but does nothing) and `selector` shows. */
export async function appReady(page, selector = 'svg.diagram') {
  await page.waitForFunction(() => !document.getElementById('first-paint'));
  await page.waitForSelector(selector);
}
