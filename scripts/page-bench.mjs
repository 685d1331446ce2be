// Measures ab -n 1000000 -c 100 on ten servers in the built page (dist/) in headless Chromium:
// wall time and the longest animation frame while it runs. Figures only, no thresholds.
// Usage: node scripts/page-bench.mjs [dist-dir]
import { launch } from '../tests/e2e/browser.mjs';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join, extname, resolve } from 'node:path';
const dist = resolve(process.argv[2] || 'dist');
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };
const server = createServer(async (req, res) => { const p = new URL(req.url,'http://x').pathname; const f = join(dist, p.endsWith('/')?p+'index.html':p);
 try { res.writeHead(200,{'content-type':TYPES[extname(f)]||'x'}).end(await readFile(f)); } catch { res.writeHead(404).end(); } });
await new Promise(ok => server.listen(0,'127.0.0.1',ok));
const ctx = await launch(); const page = await ctx.newPage();
await page.setViewportSize({width:1400,height:950});
// Each animation-frame callback's work, timed from the frame's start until a task posted after
// it runs (so the rendering it triggers counts too): the longest is the longest frame's work.
await page.addInitScript(() => {
  const raf = window.requestAnimationFrame.bind(window);
  window.requestAnimationFrame = cb => raf(ts => { cb(ts); if (window.measuring) setTimeout(() => window.busy_ms.push(performance.now() - ts), 0); });
});
await page.goto(`http://127.0.0.1:${server.address().port}/`);
await page.waitForSelector('svg.diagram');
await page.click('text=Start over');
await page.fill("[data-field='servers.count']", '10'); await page.press("[data-field='servers.count']", 'Enter');
await page.click('.controls button.primary'); // pause the live run
await page.click('.benchmark summary');
await page.fill("[data-field='ab.flags']", '-n 1000000 -c 100');
await page.evaluate(() => { window.frames_ms = []; let last = performance.now();
  const tick = now => { window.frames_ms.push(now - last); last = now; requestAnimationFrame(tick); }; requestAnimationFrame(tick); });
await page.evaluate(() => { window.busy_ms = []; window.measuring = true; });
const t0 = Date.now();
await page.click('.benchmark button[type=submit]');
await page.waitForSelector('.ab-report pre', { timeout: 120000 });
const wall = (Date.now() - t0) / 1000;
const frames = await page.evaluate(() => window.frames_ms.slice(2));
const busy = await page.evaluate(() => window.busy_ms);
const report = await page.textContent('.ab-report pre');
console.log(`ab -n 1000000 -c 100 on 10 servers in the page: ${wall.toFixed(2)} s wall; ${frames.length} frames, longest ${Math.max(...frames).toFixed(1)} ms, mean ${(frames.reduce((a,b)=>a+b,0)/frames.length).toFixed(1)} ms; longest frame's work ${Math.max(...busy).toFixed(1)} ms`);
console.log(report.split('\n').slice(7, 16).join('\n'));
await ctx.close(); server.close();
