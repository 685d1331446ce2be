// Launches Debian's Chromium through playwright-core (never a downloaded browser), with the flags
// this workplace's closed network needs and a fresh profile each time, removed when the browser
// closes (each profile is about 20 MB, and every test and bench run launches several).
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export async function launch() {
  const profile = mkdtempSync(join(tmpdir(), 'scalelab-chromium-'));
  const removeProfile = () => rmSync(profile, { recursive: true, force: true });
  // A run that ends without closing its browser (a failed test, Ctrl-C) still leaves no profile.
  process.once('exit', removeProfile);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const close = context.close.bind(context);
  context.close = async (...args) => {
    try { await close(...args); } finally { removeProfile(); }
  };
  return context;
}

/** Waits until the app has started (it removes the first paint drawn at build time, which looks
 *  the same but does nothing) and `selector` shows. */
export async function appReady(page, selector = 'svg.diagram') {
  await page.waitForFunction(() => !document.getElementById('first-paint'));
  await page.waitForSelector(selector);
}
