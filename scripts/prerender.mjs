// The first paint before the wasm has loaded: opens the built page in Debian's Chromium (the app
// itself draws it, with its own layout code), at a phone's width and a desktop's, paused at 0 s
// as someone who asks for less motion gets it, and writes what it drew into index.html inside
// <div id="first-paint">. CSS shows the one that fits the window; the inline script in
// index.html hides both when the page opens a link or a scenario kept from before (it would
// draw something else); the app removes it as it mounts (src/lib.rs, start). The copy is inert:
// nothing in it can be clicked or focused before the app takes over.
// Usage: node scripts/prerender.mjs DIR (Trunk's post-build hook runs it through post-build.mjs)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { appReady, launch } from './browser.mjs';
import { serve } from './static-server.mjs';

/** The two first paints: the window widths the app draws tall (a phone, as Lighthouse's mobile
 *  run has it) and wide; the app switches at 700 px (src/layout.rs, TALL_BELOW_PX). */
const VIEWPORTS = [['tall', { width: 412, height: 823 }], ['wide', { width: 1350, height: 940 }]];
const MARK = '<div id="first-paint"';

export async function prerender(dir) {
  const indexPath = join(dir, 'index.html');
  const index = readFileSync(indexPath, 'utf8').replace(/<div id="first-paint"[\s\S]*?<!-- \/first-paint -->/, '');
  writeFileSync(indexPath, index);
  const { server, base } = await serve(dir);
  const context = await launch();
  const drawn = [];
  try {
    for (const [name, viewport] of VIEWPORTS) {
      const page = await context.newPage();
      await page.emulateMedia({ reducedMotion: 'reduce', colorScheme: 'light' });
      await page.setViewportSize(viewport);
      await page.goto(base);
      await appReady(page);
      await page.waitForTimeout(200); // the charts' first draw
      const html = await page.evaluate(() => {
        // Fields hold their values as properties: write them as attributes, so the copy shows them.
        for (const input of document.querySelectorAll('input')) input.setAttribute('value', input.value);
        for (const option of document.querySelectorAll('option')) option.toggleAttribute('selected', option.selected);
        return [...document.body.children]
        .filter(e => !['NOSCRIPT', 'SCRIPT'].includes(e.tagName) && e.id !== 'first-paint')
        .map(e => e.outerHTML).join('');
      });
      drawn.push(`<div class="first-paint-${name}">${html}</div>`);
      await page.close();
    }
  } finally {
    await context.close();
    server.close();
  }
  const block = `${MARK} inert aria-busy="true">${drawn.join('')}</div><!-- /first-paint -->`;
  if (!index.includes('<body>')) throw new Error('index.html has no <body>');
  writeFileSync(indexPath, afterFirstPaint(index).replace('<body>', `<body>\n  ${block}`));
  return block.length;
}

/** Trunk's page fetches the wasm at once (a preload in <head>) and starts it as soon as it has
 *  it. With a first paint to show, the page is painted first: the wasm is fetched once the
 *  first frame is up, so that its 0.5 MB never competes with the page's own first bytes. */
function afterFirstPaint(index) {
  const preloads = /<link rel="(modulepreload|preload)" href="[^"]+" crossorigin="anonymous" integrity="[^"]+"( as="fetch" type="application\/wasm")?>/g;
  const start = 'const wasm = await init(';
  if (!index.includes(start)) throw new Error(`Trunk's loader changed: no "${start}" in index.html`);
  return index.replace(preloads, '').replace(start,
    `await new Promise(painted => requestAnimationFrame(() => setTimeout(painted, 0)));\n${start}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = process.argv[2];
  if (!dir) { console.error('name the built site: node scripts/prerender.mjs dist'); process.exit(1); }
  console.log(`first paint: ${await prerender(dir)} bytes written into ${join(dir, 'index.html')}`);
}
