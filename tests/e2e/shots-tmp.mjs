// Temporary: screenshots of the built site for review (not committed).
import { launch } from './browser.mjs';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join, extname, resolve } from 'node:path';
const dist = resolve(process.argv[2] || 'dist');
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };
const server = createServer(async (req, res) => { const p = new URL(req.url,'http://x').pathname; const f = join(dist, p.endsWith('/')?p+'index.html':p);
 try { res.writeHead(200,{'content-type':TYPES[extname(f)]||'x'}).end(await readFile(f)); } catch { res.writeHead(404).end(); } });
await new Promise(ok => server.listen(0,'127.0.0.1',ok));
const base = `http://127.0.0.1:${server.address().port}/`;
const ctx = await launch();
const errors = [];
async function open(viewport) {
  const page = await ctx.newPage(); await page.setViewportSize(viewport);
  page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', e => errors.push(String(e)));
  await page.goto(base); await page.waitForSelector('svg.diagram'); await page.click('text=Start over');
  return page;
}
for (const [name, viewport] of [['desktop', { width: 1400, height: 950 }], ['phone', { width: 390, height: 844 }]]) {
  const page = await open(viewport);
  await page.waitForTimeout(3000);
  await page.screenshot({ path: `/tmp/shots/${name}-default.png` });
  // a crash through the server panel, then the Servers knob to 6
  await page.click('[data-server="1"]');
  await page.click('.server-panel >> text=Crash');
  await page.fill("[data-field='servers.count']", '6'); await page.press("[data-field='servers.count']", 'Enter');
  await page.waitForTimeout(2500);
  await page.screenshot({ path: `/tmp/shots/${name}-crash-and-6.png`, fullPage: false });
  // sessions: database, comparison
  await page.selectOption('.lesson-choice select', 'sessions');
  await page.click('text=Session store, server 2 crashes');
  await page.waitForSelector('[data-node="session-store"]');
  await page.click('.sessions-compare button');
  await page.waitForSelector('.compare-table', { timeout: 30000 });
  await page.locator('.sessions-compare').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `/tmp/shots/${name}-sessions.png` });
  // caching lab
  await page.selectOption('.lesson-choice select', 'caching');
  await page.click('text=7. Write-behind');
  await page.waitForSelector('.cache-lab .lab-diagram');
  await page.waitForTimeout(2000);
  await page.click('text=Crash the cache node');
  await page.waitForTimeout(1000);
  await page.screenshot({ path: `/tmp/shots/${name}-caching.png` });
  await page.locator('.knobs').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `/tmp/shots/${name}-caching-knobs.png` });
  await page.close();
}
console.log('console errors:', errors.length ? errors.join(' | ') : 'none');
await ctx.close(); server.close();
