// End-to-end tests of the built site (dist/), served on loopback and driven in Debian's Chromium.
// Usage: [E2E_ONLY=part-of-a-name] node tests/e2e/run.mjs [dist-dir]. Screenshots go to e2e-artifacts/.
// Prints one line per test and a closing "N passed, N failed" line; exits non-zero on failure.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { appReady, launch } from '../../scripts/browser.mjs';
import { serve } from '../../scripts/static-server.mjs';

const dist = resolve(process.argv[2] || 'dist');
const artifacts = resolve('e2e-artifacts');
await mkdir(artifacts, { recursive: true });

// Served as `make serve` serves it: the build's .br files, since the browser accepts them.
const { server, base } = await serve(dist);

const context = await launch();
const results = [];

/** Opens a page that records console errors and uncaught exceptions; `ready` is what shows
 *  once it has loaded (the app's diagram). */
async function open(url, viewport = { width: 1400, height: 950 }, ready = 'svg.diagram') {
  const page = await context.newPage();
  page.errors = [];
  page.on('console', m => { if (m.type() === 'error') page.errors.push(m.text()); });
  page.on('pageerror', e => page.errors.push(String(e)));
  await page.setViewportSize(viewport);
  await page.goto(url);
  if (ready === 'svg.diagram') await appReady(page); else await page.waitForSelector(ready);
  return page;
}

function check(condition, message) { if (!condition) throw new Error(message); }
const clock = page => page.textContent('.controls .clock');
const knob = (page, field) => page.inputValue(`[data-field='${field}']`);
const shot = (page, name) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

/** A link to the default scenario, so a test does not depend on what an earlier one left stored. */
async function freshLink() {
  const page = await open(base);
  await page.selectOption('.lesson-choice select', 'first-look');
  await page.click('text=Start over');
  const hash = (await page.evaluate(() => location.hash)).slice(1);
  await page.close();
  return hash;
}

/** Pauses the run, copies its share link, and opens the link in a new page. */
async function pauseAndReopen(page) {
  await page.click('.controls button.primary'); // pause
  await page.waitForFunction(() => document.querySelector('.controls button.primary').textContent.includes('Play'));
  return reopen(page);
}

/** Opens the page's share link (as it stands) in a new page. */
async function reopen(page) {
  await page.click('text=Share');
  const url = await page.inputValue('.dialog textarea');
  await page.keyboard.press('Escape');
  return open(url);
}

/** A fresh page with a lesson's preset loaded, once `ready` is drawn. */
async function openPreset(lesson, preset, ready, viewport = undefined) {
  const page = await open(base, viewport);
  await page.selectOption('.lesson-choice select', lesson);
  await page.click(`button:has-text("${preset}")`);
  await page.waitForSelector(ready);
  return page;
}

/** A lesson's preset on a phone, once `ready` is drawn: the page fits; `name`'s screenshot keeps
 *  `part` of it. Returns the page, for more checks. */
async function onPhone(lesson, preset, ready, name, part = '.diagram') {
  const phone = await openPreset(lesson, preset, ready, { width: 390, height: 844 });
  check(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'the page fits a phone');
  await phone.locator(part).first().screenshot({ path: join(artifacts, `${name}.png`) });
  return phone;
}

/** A link opens paused at its moment: press Play. */
async function playing(page) {
  await page.click('.controls button.primary:has-text("Play")');
  return page;
}

/** Runs one test; with E2E_ONLY set, only the tests whose names contain it run. */
/** Sessions' second step (server 2 crashes at 20 s) played at 10× past `seconds`, then paused:
 * the page, and where its timeline ends. */
async function sessionsPausedPast(seconds) {
  const page = await open(base + '?lesson=sessions&step=2');
  await page.selectOption('.controls select', { label: '10× fast' });
  if (/Play/.test(await page.textContent('.controls button.primary'))) await playing(page);
  await page.waitForFunction(s => Number(document.querySelector('.controls .clock').textContent.match(/[\d.]+/)) > s, seconds, { timeout: 30000 });
  await page.click('.controls button.primary'); // pause
  return { page, end: Number(await page.getAttribute('.timeline-scrub input', 'max')) };
}

/** Lets go of the timeline at `seconds`, and waits for the clock to say `clockText` (by default,
 * that moment). */
async function seekTo(page, seconds, clockText = null) {
  await page.locator('.timeline-scrub input').evaluate((input, s) => {
    input.value = String(s);
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }, seconds);
  await page.waitForFunction(([at, text]) => {
    const shown = document.querySelector('.controls .clock').textContent;
    return text === null ? Math.abs(Number(shown.match(/[\d.]+/)) - at) < 0.01 : shown === text;
  }, [seconds, clockText], { timeout: 15000 });
}

/** Checks that every text in the page's diagram is drawn at 11 px or more, as it shows on screen. */
async function checkDiagramTextAtLeast11px(page, what) {
  const sizes = await page.evaluate(() => {
    const svg = document.querySelector('svg.diagram');
    const box = svg.getBoundingClientRect();
    // preserveAspectRatio "meet": the drawing scales by the smaller of the two ratios
    const scale = Math.min(box.width / svg.viewBox.baseVal.width, box.height / svg.viewBox.baseVal.height);
    // (the moving layer above it has the same viewBox and box: the live counts are drawn there)
    const texts = [...svg.querySelectorAll('text'), ...svg.parentElement.querySelectorAll('svg.diagram-motion text')];
    return texts.filter(t => t.getBBox().width > 0)
      .map(t => [parseFloat(getComputedStyle(t).fontSize) * scale, t.textContent]);
  });
  const small = sizes.filter(([px]) => px < 11);
  check(sizes.length > 5 && small.length === 0, `${what}: ${small.length} of ${sizes.length} texts under 11 px, e.g. ${JSON.stringify(small.slice(0, 3))}`);
}

async function test(name, body) {
  if (process.env.E2E_ONLY && !name.includes(process.env.E2E_ONLY)) return;
  try { await body(); results.push([name, true]); console.log(`ok   ${name}`); }
  catch (e) { results.push([name, false]); console.log(`FAIL ${name}\n     ${e.message.split('\n')[0]}`); }
}

await test('the page loads without console errors', async () => {
  const page = await open(base);
  await page.waitForTimeout(1500);
  check((await page.textContent('h1')) === 'Scalelab', 'no title');
  check(await page.locator('.node.server').count() === 4, 'expected 4 servers');
  check(page.errors.length === 0, `console errors: ${page.errors.join(' | ')}`);
  await shot(page, 'desktop');
  await page.close();
});

await test('the build is served precompressed: brotli, gzip or as it is, as the browser accepts', async () => {
  const { request } = await import('node:http');
  const { brotliDecompressSync, gunzipSync } = await import('node:zlib');
  const { readdir } = await import('node:fs/promises');
  const get = (path, acceptEncoding) => new Promise((ok, fail) => {
    const headers = acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding };
    request(base + path, { headers }, res => {
      const chunks = [];
      res.on('data', c => chunks.push(c)).on('end', () => ok({ headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', fail).end();
  });
  const wasm = (await readdir(dist)).find(f => f.endsWith('_bg.wasm'));
  const raw = await readFile(join(dist, wasm));
  const br = await get(wasm, 'gzip, deflate, br, zstd');
  check(br.headers['content-encoding'] === 'br' && br.headers['content-type'] === 'application/wasm', `wasm with br: ${JSON.stringify(br.headers)}`);
  check(brotliDecompressSync(br.body).equals(raw), 'the .br file is not the wasm');
  check(br.body.length < raw.length / 2, `brotli sent ${br.body.length} of ${raw.length} bytes`);
  check(br.headers.vary === 'Accept-Encoding' && br.headers['cache-control'].includes('immutable'), 'a hashed file is cached for good, varying by encoding');
  const gz = await get(wasm, 'gzip, br;q=0');
  check(gz.headers['content-encoding'] === 'gzip' && gunzipSync(gz.body).equals(raw), 'br;q=0 gets gzip');
  const plain = await get(wasm, undefined);
  check(plain.headers['content-encoding'] === undefined && plain.body.equals(raw), 'no Accept-Encoding gets the file as it is');
  const page = await get('', 'br');
  check(page.headers['content-encoding'] === 'br' && page.headers['cache-control'] === 'no-cache', 'the page is revalidated each time');
  check((await get('no-such-file.js', 'br')).headers['content-type'] === 'text/plain', 'a missing file is a plain 404');
});

await test('the first paint is drawn before the wasm loads, fits the window, stays out of links, and the app takes over', async () => {
  // The wasm held back: what shows is the build's first paint, the copy for this window's width.
  // (a first visit: the pages before this one kept their scenario in this browser)
  const firstVisit = () => localStorage.removeItem('scalelab.last-scenario');
  for (const [width, shown, hidden] of [[412, 'tall', 'wide'], [1350, 'wide', 'tall']]) {
    const page = await context.newPage();
    await page.addInitScript(firstVisit);
    await page.route('**/*.wasm', route => route.abort());
    await page.setViewportSize({ width, height: 900 });
    await page.goto(base);
    await page.waitForSelector(`.first-paint-${shown} svg.diagram`);
    check(await page.locator(`.first-paint-${hidden}`).isHidden(), `${width} px: the ${hidden} copy shows too`);
    check(await page.locator(`.first-paint-${shown} .node.server`).count() === 4, `${width} px: not the default's 4 servers`);
    check(await page.locator('#first-paint').getAttribute('inert') !== null, 'the first paint can be clicked');
    const seed = await page.locator(`.first-paint-${shown} .controls input`).first().getAttribute('value');
    check(seed !== null, 'the first paint lost its fields\' values');
    await page.close();
  }
  // A link, an embed or a scenario kept from before opens something else: no first paint for them.
  const kept = () => localStorage.setItem('scalelab.last-scenario', '{}');
  for (const [address, visit] of [['?embed=1', firstVisit], ['#v1.garbage', firstVisit], ['?lesson=caching', firstVisit], ['', kept]]) {
    const page = await context.newPage();
    await page.addInitScript(visit);
    await page.route('**/*.wasm', route => route.abort());
    await page.goto(base + address);
    await page.waitForSelector('#first-paint', { state: 'attached' });
    check(await page.locator('#first-paint').isHidden(), `${address || 'a kept scenario'}: the default's first paint shows`);
    await page.close();
  }
  // With the wasm, the app replaces it: one diagram, one heading, one page.
  const page = await open(base, { width: 412, height: 900 });
  check(await page.locator('#first-paint').count() === 0, 'the first paint stayed');
  check(await page.locator('svg.diagram').count() === 1 && await page.locator('h1').count() === 1, 'two pages in one');
  check(page.errors.length === 0, `console errors: ${page.errors.join(' | ')}`);
  await page.close();
});

await test('the legend says what each mark means, follows the run, and can be hidden', async () => {
  const page = await open(base);
  const legend = page.locator('.diagram-legend');
  const text = await legend.textContent();
  for (const words of ['a request on its way', 'answered (2xx)', 'refused: 503', 'over 90% busy', 'missed a heartbeat', 'heartbeat missed']) {
    check(text.includes(words), `the legend lacks "${words}": ${text}`);
  }
  check(!text.includes("the primary's log"), 'no replication marks without replicas');
  // Each sample is drawn with the diagram's own classes, so it has the diagram's colours.
  const fills = await page.evaluate(() => ['.diagram-legend .legend-dot.answered', '.diagram-legend .legend-box.hot']
    .map(sel => getComputedStyle(document.querySelector(sel)).fill));
  check(fills.every(f => f && f !== 'none' && f !== 'rgb(0, 0, 0)'), `samples drawn uncoloured: ${fills}`);
  await legend.screenshot({ path: join(artifacts, 'legend.png') });
  await page.click('.diagram-legend .legend-toggle');
  check(await page.locator('.diagram-legend .legend-groups').count() === 0, 'the legend did not hide');
  check(await page.getAttribute('.diagram-legend .legend-toggle', 'aria-expanded') === 'false', 'the toggle does not say it is closed');
  await page.click('.diagram-legend .legend-toggle');
  check(await page.locator('.diagram-legend .legend-groups').count() === 1, 'the legend did not come back');
  await page.close();
  const replicated = await openPreset('replication', 'Replicas that lag', ".diagram [data-node='database-2']");
  check((await replicated.textContent('.diagram-legend')).includes("the primary's log to a replica"), 'no replication marks with replicas');
  await replicated.close();
  const embed = await open(base + '?embed=1');
  check(await embed.locator('.diagram-legend .legend-groups').count() === 0, 'an embed opens with its legend hidden');
  await embed.close();
});

await test('12 servers keep their names and states, their links keep to the gaps, and a Slots change keeps the 12', async () => {
  const page = await playing(await open(base + '#' + (await freshLink())));
  await page.fill("[data-field='servers.count']", '12');
  await page.press("[data-field='servers.count']", 'Enter');
  await page.waitForFunction(() => document.querySelectorAll('.diagram [data-server]').length === 12);
  // The Slots knob restarts the run: the pool it restarts with is the Servers knob's 12.
  await page.fill("[data-field='servers.concurrency']", '3');
  await page.press("[data-field='servers.concurrency']", 'Enter');
  await page.waitForTimeout(500);
  check(await knob(page, 'servers.count') === '12', `the Servers knob says ${await knob(page, 'servers.count')}`);
  check(await page.locator('.diagram [data-server]').count() === 12, 'the pool is not 12 after the restart');
  // Every box shows its name (or number) and its state in text, and no link runs through a box
  // (each link's points avoid the insides of the boxes other than its ends).
  const boxes = await page.$$eval('.diagram [data-server]', gs => gs.map(g => [...g.querySelectorAll('text')].map(t => t.textContent)));
  check(boxes.every(texts => texts.length >= 2 && /\d/.test(texts[0])), `boxes without labels: ${JSON.stringify(boxes)}`);
  const [crossing, links] = await page.evaluate(() => {
    const rects = [...document.querySelectorAll('.diagram [data-server] .frame')].map(r => r.getBBox());
    let crossings = 0;
    for (const line of document.querySelectorAll('.diagram polyline.link')) {
      const length = line.getTotalLength();
      for (let at = 0; at <= length; at += 2) {
        const p = line.getPointAtLength(at);
        const inside = rects.filter(r => p.x > r.x + 1 && p.x < r.x + r.width - 1 && p.y > r.y + 1 && p.y < r.y + r.height - 1);
        if (inside.length > 0 && at > 2 && at < length - 2) crossings++;
      }
    }
    return [crossings, document.querySelectorAll('.diagram polyline.link').length];
  });
  check(links >= 13, `only ${links} links drawn`);
  check(crossing === 0, `${crossing} points of links lie inside server boxes`);
  await page.locator('.stage').first().screenshot({ path: join(artifacts, 'twelve-servers.png') });
  await page.close();
});

await test('many servers take their new looks over a few frames, and a paused run still draws them all', async () => {
  const page = await playing(await open(base + '#' + (await freshLink())));
  for (const [field, value] of [['servers.count', '600'], ['clients.arrival_rate', '6000']]) {
    await page.fill(`[data-field='${field}']`, value); await page.press(`[data-field='${field}']`, 'Enter');
  }
  await page.selectOption('.controls select', { label: '10× fast' });
  await page.waitForFunction(() => Number(document.querySelector('.controls .clock').textContent.match(/[\d.]+/)) > 12, null, { timeout: 60000 });
  await page.click('.controls button.primary'); // pause
  const end = Number(await page.getAttribute('.timeline-scrub input', 'max'));
  // Each box's name says its state and last second's load; wait until the labels stop changing.
  const settledLooks = async () => {
    let last = null;
    for (let i = 0; i < 40; i++) {
      await page.waitForTimeout(150);
      const looks = await page.$$eval('.diagram [data-server]', gs => gs.map(g => g.getAttribute('aria-label')));
      if (last !== null && looks.join('|') === last.join('|')) return looks;
      last = looks;
    }
    throw new Error('the boxes never stopped changing');
  };
  await seekTo(page, end - 4);
  const before = await settledLooks();
  await seekTo(page, end - 1);
  const later = await settledLooks();
  const changed = later.filter((look, i) => look !== before[i]).length;
  // More than a frame's share (250), so drawing them took frames in which nothing else drew.
  check(before.length === 600 && changed > 250, `${changed} of ${before.length} looks changed between the two moments`);
  await seekTo(page, end - 4);
  const again = await settledLooks();
  check(again.join('|') === before.join('|'), `back at the first moment, ${again.filter((look, i) => look !== before[i]).length} boxes keep a later look`);
  // The page keeps its last scenario for the next visit: leave the default one, as found.
  await page.selectOption('.lesson-choice select', 'first-look');
  await page.click('text=Start over');
  await page.close();
});

/** Picks `label` in the Download menu: the file's name and its text. */
async function saveDownload(page, label) {
  await page.click('.controls .downloads summary');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(`.controls .downloads button:has-text("${label}")`)]);
  check(!(await page.getAttribute('.controls .downloads', 'open') !== null), 'the menu stays open after a pick');
  return [download.suggestedFilename(), await readFile(await download.path(), 'utf8')];
}

await test('Download saves the diagram as SVG and PNG, the chart data as CSV and the figures as JSON', async () => {
  const page = await open(base + '#' + (await freshLink()));
  await page.selectOption('.controls select', { label: '10× fast' });
  await playing(page);
  await page.waitForFunction(() => Number(document.querySelector('.chart').dataset.points) >= 2, null, { timeout: 10000 });
  const save = label => saveDownload(page, label);
  const [svgName, svg] = await save('Diagram (SVG)');
  check(/^scalelab-diagram-t[\d.]+s\.svg$/.test(svgName), svgName);
  // Well-formed XML, with the servers' names, the dots and the page's colours inside.
  const parsed = await page.evaluate(text => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    return { error: !!doc.querySelector('parsererror'), servers: doc.querySelectorAll('[data-server]').length,
             styled: doc.querySelector('style')?.textContent.includes('--panel') };
  }, svg);
  check(!parsed.error && parsed.servers === 4 && parsed.styled, `the SVG: ${JSON.stringify(parsed)}`);
  // The PNG: the same drawing at twice the diagram's size.
  await page.click('.controls .downloads summary');
  const [pngDownload] = await Promise.all([page.waitForEvent('download'), page.click('.controls .downloads button:has-text("Diagram (PNG)")')]);
  const png = await readFile(await pngDownload.path());
  const viewBox = (await page.getAttribute('svg.diagram', 'viewBox')).split(' ').map(Number);
  check(/^scalelab-diagram-t[\d.]+s\.png$/.test(pngDownload.suggestedFilename()), pngDownload.suggestedFilename());
  check(png.subarray(1, 4).toString() === 'PNG', 'not a PNG file');
  check(png.readUInt32BE(16) === Math.round(2 * viewBox[2]) && png.readUInt32BE(20) === Math.round(2 * viewBox[3]),
    `PNG ${png.readUInt32BE(16)}×${png.readUInt32BE(20)} for a diagram of ${viewBox[2]}×${viewBox[3]}`);
  await writeFile(join(artifacts, 'diagram-download.png'), png);
  const [csvName, csv] = await save('Chart data (CSV)');
  const lines = csv.trim().split('\n');
  check(csvName.endsWith('.csv') && lines[0].startsWith('second,arrived,throughput') && lines.length >= 2, csv.slice(0, 200));
  check(lines.slice(1).every(l => l.split(',').length === lines[0].split(',').length), 'ragged CSV');
  const [, json] = await save('Figures (JSON)');
  const figures = JSON.parse(json);
  check(figures.requests?.arrived > 0 && /^[0-9a-f]{16}$/.test(figures.trace_hash), `figures: ${json.slice(0, 200)}`);
  check(page.errors.length === 0, `console errors: ${page.errors.join(' | ')}`);
  await page.close();
});

await test('a lesson and what runs agree: picking one loads its first preset, and a link keeps it', async () => {
  const page = await open(base + '#' + (await freshLink()));
  const lessons = await page.$$eval('.lesson-choice select option', o => o.map(x => x.value));
  check(lessons.join(' ') === 'first-look scaling load-balancing sessions autoscaling partitioning replication caching benchmarking',
    `the lessons are not in the curriculum's order: ${lessons}`);
  await page.selectOption('.lesson-choice select', 'caching');
  await page.waitForSelector('.cache-lab', { timeout: 10000 });
  check((await page.textContent('.lesson h2')) === 'Caching', 'the Caching text is not beside the lab');
  const again = await pauseAndReopen(page);
  check(await again.inputValue('.lesson-choice select') === 'caching', 'the link did not keep the lesson');
  check((await again.textContent('.lesson h2')) === 'Caching', 'a caching link opens beside another lesson');
  await again.close();
  await page.close();
});

await test('Back and Forward walk between lessons and presets; a knob edit adds no entry', async () => {
  const page = await open(base + '#' + (await freshLink()));
  const entries = () => page.evaluate(() => history.length);
  const start = await entries();
  await page.fill("[data-field='servers.concurrency']", '8');
  await page.press("[data-field='servers.concurrency']", 'Enter');
  await page.waitForFunction(() => location.hash.length > 0);
  check(await entries() === start, 'a knob edit added a history entry');
  await page.selectOption('.lesson-choice select', 'caching');
  await page.waitForSelector('.cache-lab', { timeout: 10000 });
  await page.selectOption('.lesson-choice select', 'load-balancing');
  await page.waitForFunction(() => document.querySelector('.lesson h2').textContent === 'Load balancing');
  check(await entries() === start + 2, `two lessons should add two entries, not ${await entries() - start}`);
  await page.goBack();
  await page.waitForSelector('.cache-lab', { timeout: 10000 });
  check(await page.inputValue('.lesson-choice select') === 'caching', 'Back did not return to Caching');
  check((await page.textContent('.lesson h2')) === 'Caching', "Back left another lesson's text");
  await page.goBack();
  await page.waitForFunction(() => document.querySelector('.lesson h2').textContent !== 'Caching');
  check(await page.inputValue('.lesson-choice select') === 'first-look', 'a second Back did not return to First look');
  check(await knob(page, 'servers.concurrency') === '8', 'Back lost the knob edit made in that entry');
  await shot(page, 'history-back');
  await page.goForward();
  await page.waitForSelector('.cache-lab', { timeout: 10000 });
  check(await page.inputValue('.lesson-choice select') === 'caching', 'Forward did not return to Caching');
  check(page.errors.length === 0, `console errors: ${page.errors.join(' | ')}`);
  await page.close();
});

await test("a lesson's steps: Next loads the next at its speed, a link opens at that step, Back returns to the one before", async () => {
  const page = await open(base + '#' + (await freshLink()));
  const speed = p => p.$eval('.controls select', s => s.options[s.selectedIndex].text);
  await page.selectOption('.lesson-choice select', 'autoscaling');
  await page.waitForFunction(() => document.querySelector('.step-count')?.textContent.startsWith('Step 1 of 5'));
  await page.click('text=Next step ›');
  await page.waitForFunction(() => document.querySelector('.step-count').textContent.startsWith('Step 2 of 5'));
  check(await speed(page) === '10× fast', `step 2 should play at 10×, not ${await speed(page)}`);
  check(await page.$eval('.presets button[aria-current="step"]', b => b.textContent) === 'Ramp, at most 4 servers',
    "the step's button is not marked as the current one");
  check((await page.textContent('.watch')).includes('capped at 4 servers'), 'the step does not say what to watch');
  const again = await pauseAndReopen(page);
  check((await again.textContent('.step-count')).startsWith('Step 2 of 5'), 'the link did not open at its step');
  check(await speed(again) === '10× fast', "the link did not keep the step's speed");
  await again.close();
  await page.goBack();
  await page.waitForFunction(() => document.querySelector('.step-count').textContent.startsWith('Step 1 of 5'));
  check(await speed(page) === '10× fast', 'Back should open step 1 at its own speed');
  await shot(page, 'lesson-steps');
  check(page.errors.length === 0, `console errors: ${page.errors.join(' | ')}`);
  await page.close();
});

await test('predict, then run: a step waits for a guess, the run answers with its own figures, and the guess is kept', async () => {
  const page = await open(base + '#' + (await freshLink()));
  await page.click('button:has-text("Overload")');
  await page.waitForSelector('.ask legend');
  check((await page.textContent('.controls button.primary')).includes('Play'), 'the step ran before the guess');
  await page.click('.ask button[type=submit]');
  check((await page.textContent('.ask .error')).includes('Pick one'), 'an empty guess is not explained');
  await page.check('.ask input[type=radio] >> nth=2');
  await page.click('.ask button[type=submit]');
  await page.waitForSelector('.ask .waiting');
  check((await page.textContent('.controls button.primary')).includes('Pause'), 'the guess did not start the run');
  await page.selectOption('.controls select', { label: '100× fast' });
  await page.waitForSelector('.ask .verdict', { timeout: 20000 });
  const verdict = await page.textContent('.ask .verdict');
  check(/The run: .* \(\d+(\.\d)?% refused at 3\d\.\d s\)/.test(verdict), `the run's answer is not its figure: ${verdict}`);
  await page.locator('.lesson').screenshot({ path: join(artifacts, 'predict-then-run.png') });
  // Kept in this browser: a new page shows the step answered, and a teacher can forget it.
  const again = await open(base + '#' + (await freshLink()));
  check((await again.textContent('button:has-text("Overload")')).includes('✓'), 'the guess was not kept');
  await again.click('text=Forget my answers');
  check(!(await again.textContent('button:has-text("Overload")')).includes('✓'), 'Forget my answers kept the guess');
  check(page.errors.length === 0 && again.errors.length === 0, `console errors: ${page.errors.concat(again.errors).join(' | ')}`);
  await again.close();
  await page.close();
});

await test('latency against load: the sweep runs beside the live run and draws its points and the M/M/k line', async () => {
  const page = await open(base + '#' + (await freshLink()));
  await page.click('text=Sweep the load');
  await page.waitForSelector('.load-plot circle.measured >> nth=8', { state: 'attached', timeout: 60000 });
  const times = await page.$$eval('.load-plot circle.measured title', t => t.map(x => Number(x.textContent.match(/: ([\d.]+) ms at a server/)[1])));
  check(times.length === 9, `9 loads, not ${times.length}`);
  check(times[8] > times[0], `latency should climb with load: ${times}`);
  check(await page.locator('.load-plot polyline.theory').count() === 1, 'no M/M/k line beside the points');
  check((await page.textContent('.load-plot figcaption')).includes('M/M/'), 'the line does not name its model');
  await page.locator('.load-curve').screenshot({ path: join(artifacts, 'latency-against-load.png') });
  check(page.errors.length === 0, `console errors: ${page.errors.join(' | ')}`);
  await page.close();
});

await test('request dots move along the links', async () => {
  const page = await playing(await open(base + '#' + (await freshLink())));
  await page.waitForTimeout(800);
  // Coloured by status, each status's dots are the vertices of one polyline.
  const positions = () => page.$$eval('polyline.dot-run', runs => runs.map(r => r.getAttribute('points')).join(' '));
  const before = await positions();
  const t0 = await clock(page);
  await page.waitForTimeout(400);
  const after = await positions();
  check(before.length > 0, 'no dots drawn');
  check(before !== after, 'dots did not move');
  check(t0 !== await clock(page), 'the clock did not advance');
  await page.close();
});

await test('at 0.2× the charts and the servers show the second in progress, marked as such, from the first moments', async () => {
  const page = await playing(await open(base + '#' + (await freshLink())));
  // Before the first simulated second ends (5 s of wall time at 0.2×), a dashed point stands for
  // it, its rate scaled from the part that has run.
  await page.waitForSelector('.chart polyline.so-far.throughput', { state: 'attached', timeout: 5000 });
  await page.waitForFunction(() => /answered [1-9]/.test(document.querySelector('.chart .legend').textContent), null, { timeout: 3000 });
  check(Number(await page.getAttribute('.chart', 'data-points')) === 0, 'a whole second has closed already');
  check((await page.textContent('.chart .x-last')).includes('so far'), 'the axis does not say the point is partial');
  // The servers too: how busy so far, marked ≈, rather than a dash.
  const util = await page.textContent(".diagram [data-server='0'] .util");
  check(/^≈\d+%$/.test(util), `server 1 shows "${util}" in the first second`);
  await page.close();
});

await test('the charts update as simulated seconds pass', async () => {
  const page = await open(base);
  await page.selectOption('.controls select', { label: '10× fast' });
  await page.waitForFunction(() => Number(document.querySelector('.chart').dataset.points) >= 3, null, { timeout: 10000 });
  const points = await page.getAttribute('.chart polyline.throughput', 'points');
  check(points && points.split(' ').length >= 3, 'throughput line is empty');
  // The legend reads the second in progress, whose rates are its counts so far over the part
  // of it that has run: in a frame that stops just past a second's start, that can honestly be
  // 0 (it was, once in a full run). Traffic must show within the next frames.
  const shows = await page.waitForFunction(() => /answered [1-9]/.test(document.querySelector('.chart .legend').textContent),
    null, { timeout: 5000 }).then(() => true, () => false);
  const legend = await page.textContent('.chart .legend');
  check(shows, `throughput legend shows no traffic: ${legend}`);
  await shot(page, 'charts');
  await page.close();
});

await test('space plays and pauses without scrolling, the right arrow steps, Escape closes the inspector', async () => {
  const page = await open(base);
  const warnings = [];
  page.on('console', m => { if (/preventDefault/.test(m.text())) warnings.push(m.text()); });
  check((await page.textContent('.controls button.primary')).includes('Pause'), 'should start playing');
  await page.locator('.top h1').click(); // the page, not a control (the diagram takes the arrow keys)
  const scrolled = await page.evaluate(() => window.scrollY);
  await page.keyboard.press('Space');
  await page.waitForFunction(() => document.querySelector('.controls button.primary').textContent.includes('Play'));
  check(await page.evaluate(() => window.scrollY) === scrolled, 'space scrolled the page');
  const paused = await clock(page);
  await page.waitForTimeout(300);
  check(paused === await clock(page), 'time moved while paused');
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(t => document.querySelector('.controls .clock').textContent !== t, paused);
  check(warnings.length === 0, `passive listener warnings: ${warnings.join(' | ')}`);
  await page.locator('.node.server').first().click();
  await page.waitForSelector('.server-panel');
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.querySelector('.server-panel'));
  await page.close();
});

/** Presses Tab until the focused element matches `selector` (and says `text`, when given). */
async function tabTo(page, selector, text = null, limit = 120) {
  for (let i = 0; i < limit; i++) {
    const there = await page.evaluate(([s, t]) => {
      const e = document.activeElement;
      return !!e && e.matches(s) && (t === null || e.textContent.trim() === t);
    }, [selector, text]);
    if (there) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector} ${text ?? ''}`);
}

await test('keyboard only: pick a lesson, open a server, crash it, close the inspector, share', async () => {
  // A fresh run, playing (the click comes before the test starts watching for the mouse).
  const page = await playing(await open(base + '#' + (await freshLink())));
  const mouse = [];
  await page.exposeFunction('sawMouse', type => mouse.push(type));
  await page.evaluate(() => ['mousedown', 'mouseup', 'click'].forEach(t =>
    document.addEventListener(t, e => { if (e.detail > 0 || e.pointerType) window.sawMouse(t); }, true)));
  // ? lists the shortcuts; Escape closes the list.
  await page.keyboard.press('?');
  await page.waitForSelector('.dialog[aria-modal=true] .shortcuts');
  check((await page.textContent('.dialog .shortcuts')).includes('play or pause'), 'the shortcuts are not listed');
  check(await page.evaluate(() => document.activeElement.textContent) === 'Close', 'focus on Close');
  await page.keyboard.press('Escape');
  await page.waitForSelector('.dialog', { state: 'detached' });
  // A lesson: the picker takes the arrow keys.
  await tabTo(page, '.lesson-choice select');
  // Two down: Load balancing, whose first preset has several servers (picking a lesson loads it).
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction(() => document.querySelector('.lesson-choice select').value === 'load-balancing');
  await page.waitForFunction(() => document.querySelector('.lesson h2').textContent === 'Load balancing');
  // The diagram is one tab stop; the arrow keys walk its nodes, each named with its state.
  await tabTo(page, 'svg.diagram');
  await page.keyboard.press('ArrowDown');
  const focusedServer = () => page.evaluate(() => document.activeElement.closest('[data-server]')?.getAttribute('data-server'));
  check(await focusedServer() === '0', 'the first server is focused');
  check(/^Server 1: /.test(await page.evaluate(() => document.activeElement.getAttribute('aria-label'))), 'its name says its state');
  await page.keyboard.press('ArrowDown');
  check(await focusedServer() === '1', 'the arrow moved to server 2');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.server-panel h2:has-text("Server 1")');
  await tabTo(page, '.server-panel button', 'Crash');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /crashed|down/i.test(document.querySelector(".diagram [data-server='0'] [role=button]")?.getAttribute('aria-label') ?? ''));
  // Escape closes the inspector, and the focus goes back to the server it was opened from.
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.querySelector('.server-panel'));
  check(await focusedServer() === '0', 'focus back on server 1');
  // Share: the dialog takes the focus, keeps Tab inside, and gives the focus back on Escape.
  await tabTo(page, '.controls button', 'Share');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.dialog[aria-modal=true]');
  check(await page.evaluate(() => document.activeElement.textContent) === 'Copy', 'focus on Copy');
  check((await page.textContent('.controls button.primary')).includes('Play'), 'the run waits at the shared moment');
  for (let i = 0; i < 4; i++) await page.keyboard.press('Tab');
  check(await page.evaluate(() => !!document.activeElement.closest('.dialog')), 'Tab stays in the dialog');
  await page.keyboard.press('Escape');
  await page.waitForSelector('.dialog', { state: 'detached' });
  check(await page.evaluate(() => document.activeElement.textContent) === 'Share', 'focus back on Share');
  check(mouse.length === 0, `mouse events: ${mouse.join(', ')}`);
  check(page.errors.length === 0, `console errors: ${page.errors.join(' | ')}`);
  await page.close();
});

/** axe-core's violations of serious or critical impact on the page as it is, in words. */
async function seriousViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
    await page.addScriptTag({ path: resolve('node_modules/axe-core/axe.min.js') });
  }
  return page.evaluate(async () => (await axe.run(document, { resultTypes: ['violations'] })).violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.id} (${v.impact}) on ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}`));
}

await test('axe-core finds nothing serious on any lesson, the embed, a phone or an open dialog', async () => {
  const found = [];
  const page = await open(base);
  const lessons = await page.$$eval('.lesson-choice select option', options => options.map(o => o.value));
  for (const lesson of lessons) {
    await page.selectOption('.lesson-choice select', lesson);
    const preset = await page.$('.side-column .lesson button');
    if (preset) await preset.click();
    await page.waitForTimeout(1000);
    found.push(...(await seriousViolations(page)).map(v => `${lesson}: ${v}`));
  }
  // The dark theme, from the header's toggle: the same checks, contrast above all.
  await page.click('.top .theme');
  check(await page.evaluate(() => document.documentElement.dataset.theme) === 'dark', 'the toggle did not turn the theme dark');
  check(await page.getAttribute('.top .theme', 'aria-pressed') === 'true', 'the toggle does not say it is on');
  // (first look last: its first button starts over, so the tests after open the default scenario)
  for (const lesson of ['replication', 'caching', 'first-look']) {
    await page.selectOption('.lesson-choice select', lesson);
    await page.click('.side-column .lesson button');
    await page.waitForTimeout(1000);
    found.push(...(await seriousViolations(page)).map(v => `dark ${lesson}: ${v}`));
  }
  await page.screenshot({ path: join(artifacts, 'dark-theme.png') });
  for (const opener of ['Share', 'Embed']) {
    await page.click(`.controls button:has-text("${opener}")`);
    await page.waitForSelector('.dialog[aria-modal=true]');
    found.push(...(await seriousViolations(page)).map(v => `${opener} dialog: ${v}`));
    await page.keyboard.press('Escape');
    await page.waitForSelector('.dialog', { state: 'detached' });
  }
  await page.close();
  for (const [url, viewport] of [[`${base}?embed=1`, { width: 800, height: 520 }], [base, { width: 390, height: 844 }]]) {
    const other = await open(url, viewport);
    // (the toggle's choice is kept in this browser: dark here too)
    check(await other.evaluate(() => document.documentElement.dataset.theme) === 'dark', 'the theme was not kept');
    await other.waitForTimeout(1000);
    found.push(...(await seriousViolations(other)).map(v => `${url} at ${viewport.width}: ${v}`));
    await other.close();
  }
  // The tests after see the default theme.
  const last = await open(base);
  await last.evaluate(() => localStorage.removeItem('scalelab.theme'));
  await last.close();
  check(found.length === 0, found.join('\n     '));
});

await test('an out-of-range knob is named and changes nothing', async () => {
  const page = await open(base);
  await page.fill("[data-field='servers.count']", '5000');
  await page.press("[data-field='servers.count']", 'Enter');
  await page.locator("[data-field='servers.count']").blur();
  await page.waitForSelector('.knob.invalid .error');
  const message = await page.textContent('.knob.invalid .error');
  check(message.includes('between 1 and 1,000'), message);
  check(await page.locator('.node.server').count() === 4, 'the run changed');
  await shot(page, 'knob-error');
  await page.close();
});

await test('Enter in a knob keeps the timeline, and the offered load follows the pool', async () => {
  const page = await playing(await open(base + '#' + (await freshLink())));
  check((await page.textContent('.stats')).includes('offered load 75%'), await page.textContent('.stats'));
  // Enter submits the settings form; no timeline button may take that as a click. Each new
  // pool size is one change in the timeline, however many servers it adds.
  for (const [servers, changes] of [['6', 1], ['8', 2]]) {
    await page.fill("[data-field='servers.count']", servers);
    await page.press("[data-field='servers.count']", 'Enter');
    await page.waitForFunction(n => document.querySelectorAll('.node.server').length === n, Number(servers));
    check(await page.locator('.knobs .timeline li').count() === changes, `${await page.locator('.knobs .timeline li').count()} changes, not ${changes}`);
  }
  await page.waitForFunction(() => document.querySelector('.stats').textContent.includes('offered load 38%'));
  await page.close();
});

await test('HAProxy first holds the overflow at the balancer until maxconn covers the round trip', async () => {
  const page = await playing(await open(base + '#' + (await freshLink())));
  await page.selectOption("[data-field='balancer.algorithm']", 'first_available');
  // maxconn = 2 slots, held for a 40 ms round trip and the work: at most 133 of the 300
  // requests/s get through, and the rest wait in the balancer's backend queue.
  const balancer = () => page.textContent('.diagram-motion .live-count.balancer');
  await page.waitForFunction(() => document.querySelector('.diagram-motion .live-count.balancer').textContent.includes('queued for a slot'));
  // A screen reader reads the balancer's load too (the other live counts are for the eye).
  const tree = await (await page.context().newCDPSession(page)).send('Accessibility.getFullAXTree');
  const read = tree.nodes.filter(n => !n.ignored && n.role?.value === 'StaticText').map(n => n.name?.value || '');
  check(read.some(name => name.includes('queued for a slot')), 'the balancer\'s load is hidden from screen readers');
  const answered = read.filter(name => /^\d+ answered$/.test(name));
  check(answered.length === 1, `the answered count is read ${answered.length} times (the stats line has it; the clients' count is for the eye)`);
  await page.fill("[data-field='balancer.max_conn']", '12');
  await page.press("[data-field='balancer.max_conn']", 'Enter');
  await page.waitForFunction(() => Number(document.querySelector('.controls .clock').textContent.match(/[\d.]+/)) > 0.5);
  check(!(await balancer()).includes('queued'), await balancer());
  check(page.errors.length === 0, page.errors.join(' | '));
  await page.close();
});

let shared = null;
await test('a share link reopens the same run at the same moment', async () => {
  const page = await playing(await open(base + '#' + (await freshLink())));
  // The Servers knob scales the running pool: no restart, and the change goes into the link.
  await page.fill("[data-field='servers.count']", '6');
  await page.locator("[data-field='servers.count']").blur();
  await page.waitForFunction(() => document.querySelectorAll('.node.server').length === 6);
  await page.selectOption('.controls select', { label: '2× fast' });
  await page.waitForTimeout(1200);
  await page.click('.controls button.primary'); // pause
  await page.waitForFunction(() => document.querySelector('.controls button.primary').textContent.includes('Play'));
  const stats = await page.textContent('.stats');
  const time = await clock(page);
  await page.click('text=Share');
  const url = await page.inputValue('.dialog textarea');
  check(url.startsWith(base) && url.includes('#v1.'), `odd link ${url}`);
  await page.keyboard.press('Escape'); // closes the dialog
  await page.waitForSelector('.dialog', { state: 'detached' });
  shared = { url, stats, time };
  const again = await open(url);
  check(await again.locator('.node.server').count() === 6, 'the scenario differs');
  check(await clock(again) === time, `time ${await clock(again)} != ${time}`);
  check(await again.$eval('.controls select', s => s.options[s.selectedIndex].text) === '2× fast', 'the link lost the speed');
  check(await again.textContent('.stats') === stats, `replay differs:\n${await again.textContent('.stats')}\n${stats}`);
  check(again.errors.length === 0, again.errors.join(' | '));
  await shot(again, 'shared-link');
  await page.close();
  await again.close();
});

await test('a mangled link shows a banner and keeps the last scenario', async () => {
  const page = await open(base + '#v1.this-is-not-a-scenario');
  const banner = await page.textContent('.banner');
  check(banner.includes('could not be opened') && banner.includes('damaged'), banner);
  check(banner.includes('the scenario you last had open'), banner);
  // The last scenario's pool was scaled while it ran: its timeline says so.
  check((await page.textContent('.timeline')).includes('scale the pool to 6 servers'), 'the last scenario was not kept');
  check(page.url().includes('this-is-not-a-scenario'), 'the bad link was overwritten');
  await shot(page, 'mangled-link');
  const future = await open(base + '#v9.abc');
  check((await future.textContent('.banner')).includes('format version 9'), 'unknown version not named');
  await page.close();
  await future.close();
});

await test('?embed=1 shows only the diagram, the play controls and the charts', async () => {
  for (const [w, h] of [[800, 520], [360, 640]]) {
    const page = await open(base + '?embed=1', { width: w, height: h });
    check(await page.locator('.app.embed').count() === 1, 'not the embed layout');
    check(await page.locator('.knobs, .lesson, header').count() === 0, 'full-page panels shown');
    check(await page.locator('.charts .chart').count() === 4, 'charts missing');
    check(await page.locator('text=Share').count() === 0, 'share button in embed');
    const box = await page.locator('svg.diagram').boundingBox();
    check(box.width > w * 0.5 && box.height > 80, `diagram too small: ${JSON.stringify(box)}`);
    await shot(page, `embed-${w}x${h}`);
    await page.close();
  }
  // A page that drives the embed itself: paused, no controls, and the options stay in the address.
  for (const [options, moving] of [['&autoplay=0&controls=0', false], ['&controls=0', true]]) {
    const embed = await open(base + '?embed=1' + options);
    check(await embed.locator('.controls').count() === 0, `controls shown despite ${options}`);
    await embed.waitForTimeout(1000);
    // (a run that plays has requests on the links within a second; one paused at 0 s has none)
    check((await embed.locator('.diagram-motion .dot-run').count() > 0) === moving, `${options}: playing is not ${moving}`);
    check(await embed.evaluate(() => location.search) === '?embed=1' + options, 'the options left the address');
    await embed.close();
  }
  const page = await open(base);
  await page.click('text=Embed');
  const snippet = await page.inputValue('.dialog textarea');
  check(snippet.startsWith('<iframe src="') && snippet.includes('?embed=1#v1.'), snippet);
  await page.click('.dialog h2'); // a click inside keeps it open; one on the dimmed page closes it
  check(await page.locator('.dialog').count() === 1, 'a click inside closed the dialog');
  await page.mouse.click(5, 5);
  await page.waitForSelector('.dialog', { state: 'detached' });
  await page.close();
});

await test('the course-notes page drives two embeds through the postMessage API and hears their events', async () => {
  const notes = await open(base + 'course-notes.html', { width: 1000, height: 900 }, 'iframe');
  const state = id => notes.locator(`.state[data-embed="${id}"]`);
  const said = id => notes.locator(`.messages[data-embed="${id}"]`).textContent();
  const until = (id, predicate, arg) => notes.waitForFunction(([id, source, arg]) => {
    const data = document.querySelector(`.state[data-embed="${id}"]`).dataset;
    return new Function('d', 'arg', `return (${source})(d, arg)`)(data, arg);
  }, [id, predicate.toString(), arg], { timeout: 30000 });
  // Both embeds report ready, each at its own step, paused (autoplay=0).
  for (const [id, lesson, step] of [['queues-embed', 'first-look', '1'], ['sessions-embed', 'sessions', '2']]) {
    await notes.locator('#' + id).scrollIntoViewIfNeeded();
    await until(id, (d, [lesson, step]) => d.lesson === lesson && d.step === step && d.playing === 'false', [lesson, step]);
    check((await said(id)).includes('ready (API version 1)'), `${id} did not say ready`);
  }
  // Play, the speed and a seek, from the host's own buttons: the embed moves and says so.
  const queues = notes.locator('.host-controls[data-embed="queues-embed"]');
  await queues.locator('button:has-text("Play")').click();
  await until('queues-embed', d => d.playing === 'true');
  await queues.locator('select').selectOption('10');
  await until('queues-embed', d => d.speed === '10');
  await queues.locator('button:has-text("Jump to 30 s")').click();
  await until('queues-embed', d => Number(d.t) >= 30);
  await queues.locator('button:has-text("Pause")').click();
  await until('queues-embed', d => d.playing === 'false');
  const frame = notes.frameLocator('#queues-embed');
  check(/Play/.test(await frame.locator('.controls button.primary').textContent()), 'the embed itself did not pause');
  // The other embed was left alone: the two do not share a state.
  check(await state('sessions-embed').getAttribute('data-playing') === 'false', 'the second embed moved too');
  // Load another step; then the crash at 20 s, told as the live region tells it.
  const sessions = notes.locator('.host-controls[data-embed="sessions-embed"]');
  await sessions.locator('button:has-text("Jump to 18 s")').click();
  await until('sessions-embed', d => Number(d.t) >= 18);
  await sessions.locator('select').selectOption('5');
  await sessions.locator('button:has-text("Play")').click();
  await notes.waitForFunction(() => /\d+\.\d s: Server 2 crashed/.test(document.querySelector('.messages[data-embed="sessions-embed"]').textContent), null, { timeout: 30000 });
  await sessions.locator('button:has-text("Load step 3")').click();
  await until('sessions-embed', d => d.step === '3' && d.lesson === 'sessions');
  await notes.waitForTimeout(500);
  const crashes = (await said('sessions-embed')).match(/Server 2 crashed/g).length;
  check(crashes === 1, `the crash was told ${crashes} times`);
  // A message the embed cannot take is answered with what to send instead.
  await notes.evaluate(() => document.querySelector('#queues-embed').contentWindow.postMessage({ type: 'speed', value: 3 }, location.origin));
  await notes.waitForFunction(() => document.querySelector('.messages[data-embed="queues-embed"]').textContent.includes('refused: speed needs value'), null, { timeout: 10000 });
  await notes.evaluate(() => document.querySelector('#queues-embed').contentWindow.postMessage({ type: 'load', lesson: 'nope' }, location.origin));
  await notes.waitForFunction(() => document.querySelector('.messages[data-embed="queues-embed"]').textContent.includes('"nope"'), null, { timeout: 10000 });
  check(notes.errors.length === 0, `console errors: ${notes.errors.join(' | ')}`);
  await shot(notes, 'course-notes');
  await notes.close();
  // A page of another origin (here: the same server as localhost) is not listened to: the embed
  // was told its host with &host=, and a play from elsewhere does nothing.
  const other = await open(base.replace('127.0.0.1', 'localhost') + 'course-notes.html', undefined, 'iframe');
  await other.evaluate(src => {
    const frame = document.createElement('iframe');
    frame.id = 'foreign'; frame.src = src; frame.width = 800; frame.height = 520;
    document.body.prepend(frame);
  }, base + '?embed=1&autoplay=0&host=' + encodeURIComponent(base.slice(0, -1)));
  const foreign = other.frameLocator('#foreign');
  await foreign.locator('#first-paint').waitFor({ state: 'detached' }); // the app has started
  await foreign.locator('svg.diagram').waitFor();
  await other.evaluate(() => document.querySelector('#foreign').contentWindow.postMessage({ type: 'play' }, '*'));
  await other.waitForTimeout(1500);
  check(/Play/.test(await foreign.locator('.controls button.primary').textContent()), 'a message from another origin was obeyed');
  await other.close();
});

await test('a crashed server is marked down by heartbeats, and the change is kept in the link', async () => {
  const page = await open(base + '#' + (await freshLink()));
  await page.selectOption('.controls select', { label: '2× fast' });
  await page.click('.controls button.primary'); // a link opens paused: play
  await page.click(".node.server[data-server='1']");
  await page.waitForSelector('.server-panel');
  await page.click('.server-panel >> text=Crash');
  await page.waitForSelector('.timeline li');
  check((await page.textContent('.timeline')).includes('crash server 2'), 'crash not recorded');
  // HAProxy defaults: fall 3 × inter 2 s, so within about 6 simulated seconds.
  await page.waitForSelector(".node.server.down[data-server='1']", { timeout: 15000 });
  check((await page.textContent('.server-panel')).includes('out of rotation'), 'inspector disagrees');
  const stats = await page.textContent('.stats');
  check(/[1-9]\d* failed/.test(stats), `no failures counted: ${stats}`);
  // The event log says it in words, at its moment, and the live region reads out what is new.
  await page.click('.event-log summary');
  const log = await page.textContent('.event-log ol');
  check(/[\d.]+ sServer 2 marked down by heartbeats/.test(log) && /[\d.]+ sServer 2 crashed/.test(log), `event log: ${log}`);
  check(/Server 2 (crashed|marked down)/.test(await page.textContent('[aria-live=polite].visually-hidden')), 'the live region said nothing');
  await shot(page, 'crashed-server');
  // The link now replays the crash.
  const again = await open(page.url());
  check((await again.textContent('.timeline')).includes('crash server 2'), 'the link lost the crash');
  await again.close();
  await page.click('text=+ Server');
  await page.waitForFunction(() => document.querySelectorAll('.node.server').length === 5);
  await page.close();
});

await test('a lesson preset loads its scenario', async () => {
  const page = await open(base);
  await page.selectOption('.lesson-choice select', 'load-balancing');
  await page.click('text=Six users, ip_hash');
  await page.waitForFunction(() => document.querySelector(".knobs select[data-field='balancer.algorithm']").value === 'source_ip_hash');
  check(await knob(page, 'clients.users') === '6', 'users not loaded');
  await shot(page, 'lesson-load-balancing');
  await page.close();
});

await test('the split view runs the same requests under two algorithms, in lockstep', async () => {
  const page = await open(base + '#' + (await freshLink()));
  await page.click('.lesson >> text=Start over');
  await page.selectOption("[data-field='servers.service.kind']", 'log_normal');
  await page.selectOption("[data-field='compare_with']", 'algorithm:least_connections');
  await page.waitForFunction(() => document.querySelectorAll('svg.diagram').length === 2);
  await page.selectOption('.controls select', { label: '10× fast' });
  // "Start over" loaded a preset, which plays (a link alone would open paused).
  check((await page.textContent('.controls button.primary')).includes('Pause'), 'a preset loaded while paused plays');
  await page.waitForFunction(() => Number(document.querySelector('.chart').dataset.points) >= 5, null, { timeout: 15000 });
  check(await page.locator('.chart polyline.twin:not(.so-far)').count() === 4, 'B lines missing from the charts');
  const captions = await page.$$eval('.split figcaption', f => f.map(x => x.textContent));
  check(captions[0].includes('Round robin') && captions[1].includes('Least connections'), captions.join(' | '));
  await page.click('.controls button.primary'); // pause
  const sent = await page.$$eval('.split .stats', s => s.map(x => x.textContent.match(/(\d+) sent/)[1]));
  check(sent[0] === sent[1], `different traffic: ${sent}`);
  await shot(page, 'split-view');
  // The SVG download holds both runs, each under its caption.
  await page.click('.controls .downloads summary');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('.controls .downloads button:has-text("Diagram (SVG)")')]);
  const both = await page.evaluate(text => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    return { error: !!doc.querySelector('parsererror'), servers: doc.querySelectorAll('[data-server]').length,
             captions: [...doc.querySelectorAll('text.run-caption')].map(t => t.textContent) };
  }, await readFile(await download.path(), 'utf8'));
  check(!both.error && both.servers === 8 && both.captions.length === 2 && both.captions[1].startsWith('B: Least connections'),
    `the split view's SVG: ${JSON.stringify(both)}`);
  const again = await open(page.url());
  check(await again.locator('svg.diagram').count() === 2, 'the link lost the split view');
  await again.close();
  await page.close();
});

await test('session modes count lost sessions and cookie bytes', async () => {
  const page = await open(base + '#' + (await freshLink()));
  await page.selectOption("[data-field='sessions.mode']", 'on_server');
  await page.selectOption('.controls select', { label: '10× fast' });
  await page.click('.controls button.primary'); // a link opens paused: play
  await page.waitForFunction(() => /[1-9]\d* sessions lost/.test(document.querySelector('.stats').textContent), null, { timeout: 15000 });
  await page.selectOption("[data-field='sessions.mode']", 'signed_cookie');
  await page.waitForFunction(() => /[1-9]\d* cookie bytes\/request/.test(document.querySelector('.stats').textContent), null, { timeout: 15000 });
  check((await page.textContent('.stats')).includes('0 sessions lost'), 'signed cookies lost sessions');
  await shot(page, 'sessions');
  await page.close();
});

await test('the cookie lab verifies a Flask cookie and refuses a tampered one', async () => {
  const page = await open(base);
  await page.selectOption('.lesson-choice select', 'sessions');
  await page.waitForSelector('.cookie-lab');
  check((await page.textContent('.cookie-lab dd.valid')).includes('valid for this key'), 'the example did not verify');
  // {"user_id":1} with the original signature: what a student gets by editing the cookie.
  await page.fill('.cookie-lab textarea', 'eyJ1c2VyX2lkIjoxfQ.ZVPxAA.LIr3YcHFjdrdtQSuFvBzSarrgwM');
  await page.waitForSelector('.cookie-lab dd.invalid');
  const lab = await page.textContent('.cookie-lab');
  check(lab.includes('{"user_id":1}') && lab.includes('bad signature'), lab);
  await page.click('text=Sticky, server 2 crashes');
  await page.waitForFunction(() => document.querySelector("[data-field='sessions.mode']").value === 'sticky_cookie');
  await shot(page, 'lesson-sessions');
  await page.close();
});

await test('a crashed session store fails requests but loses no session', async () => {
  const page = await open(base);
  await page.selectOption('.lesson-choice select', 'sessions');
  await page.click('text=Session store, server 2 crashes');
  await page.waitForSelector("[data-node='session-store']");
  // The step asks a question before it runs: Play runs it without an answer.
  if ((await page.textContent('.controls button.primary')).includes('Play')) await playing(page);
  await page.selectOption('.controls select', { label: '10× fast' });
  await page.click("[data-node='session-store']");
  await page.click('.server-panel button:has-text("Crash")');
  await page.waitForFunction(() => document.querySelector('.timeline').textContent.includes('crash the session store'));
  await page.waitForFunction(() => /[1-9]\d* failed on the store/.test(document.querySelector('.stats').textContent), null, { timeout: 15000 });
  const stats = await page.textContent('.stats');
  check(stats.includes('0 sessions lost'), `sessions lost with a store: ${stats}`);
  check(await page.locator('.node.store.faulty').count() === 1, 'the store is not drawn down');
  await shot(page, 'session-store-crashed');
  await page.click('.server-panel button:has-text("Recover")');
  await page.close();
});

await test('a request dot opens its user; a cookie edited without the key is rejected', async () => {
  const page = await open(base);
  await page.selectOption('.lesson-choice select', 'sessions');
  await page.click('text=Signed cookie, server 2 crashes');
  await page.selectOption('.controls select', { label: '2× fast' });
  await page.waitForFunction(() => /[1-9]\d* cookie bytes\/request/.test(document.querySelector('.stats').textContent), null, { timeout: 15000 });
  await page.click('.controls button.primary'); // pause, so the dots hold still
  const dot = page.locator('circle.dot.by-user.outbound').first();
  const user = Number(await dot.getAttribute('data-user'));
  await dot.dispatchEvent('click'); // dots overlap: click this one, not whichever is on top
  await page.waitForSelector('.user-panel');
  const panel = await page.textContent('.user-panel');
  check(panel.includes(`User ${user + 1}`), panel);
  // The user's cookie may not be set yet (a first request); wait for one that is.
  await page.click('.controls button.primary'); // play
  await page.waitForSelector('.user-panel .cookie-editor', { timeout: 15000 });
  check((await page.textContent('.user-panel')).includes('signature valid'), 'the real cookie does not verify');
  await page.fill('.cookie-editor textarea', `{"user_id":${user === 1 ? 2 : 1},"cart":[]}`);
  await page.click('text=Put it in the user\'s browser');
  await page.waitForFunction(() => /[1-9]\d* cookies rejected/.test(document.querySelector('.stats').textContent), null, { timeout: 30000 });
  await shot(page, 'cookie-rejected');
  await page.close();
});

await test('a sessions scenario compares every mode on the same traffic', async () => {
  const page = await open(base);
  await page.selectOption('.lesson-choice select', 'sessions');
  await page.click('text=Sticky, server 2 crashes');
  await page.click('.sessions-compare button');
  await page.waitForSelector('.compare-table');
  const modes = await page.$$eval('.compare-table thead th[scope=col]', r => r.map(x => x.textContent));
  check(modes.length === 5 && modes.includes('session store'), modes.join(' | '));
  const lost = await page.$$eval('.compare-table tbody tr:first-child td', r => r.map(x => Number(x.textContent)));
  // Server 1 crashes halfway: memory loses most, sticky loses some, the store and cookies none.
  check(lost[0] > 100 && lost[1] > 0 && lost[3] === 0 && lost[4] === 0, `lost ‰: ${lost}`);
  await page.locator('.sessions-compare').screenshot({ path: join(artifacts, 'sessions-compare.png') });
  await page.close();
});

await test('the autoscaler boots servers as traffic ramps up, and marks its decisions', async () => {
  const page = await open(base);
  await page.selectOption('.lesson-choice select', 'autoscaling');
  await page.click('text=Ramp, HPA at 60%');
  await page.waitForSelector('.chart.profile');
  await page.selectOption('.controls select', { label: '50× fast' });
  await page.waitForSelector('.node.server.booting', { timeout: 20000 });
  await page.waitForSelector('.scaling-log .decisions li', { timeout: 20000 });
  const decision = await page.textContent('.scaling-log .decisions li');
  check(/ratio 1\.\d\d > 1\.10: .*2 → 3/.test(decision), decision);
  check(await page.locator('.chart .mark.up').count() > 0, 'no decision marks on the charts');
  check((await page.textContent('.charts')).includes('Servers'), 'no server-count chart');
  check((await page.textContent('.scaling-log')).includes('Kubernetes HPA'), 'the policy is not named');
  await page.waitForFunction(() => document.querySelectorAll('.node.server').length >= 4, null, { timeout: 30000 });
  await shot(page, 'autoscaling');
  await page.close();
});

await test('ab runs in slices with a progress bar and prints its report; compare shows two', async () => {
  const page = await open(base + '#' + (await freshLink()));
  await page.click('.benchmark summary');
  await page.fill("[data-field='ab.flags']", '-n 100 -c 1000');
  await page.click('.benchmark button[type=submit]');
  await page.waitForSelector('.benchmark .error');
  check((await page.textContent('.benchmark .error')).includes('Cannot use concurrency level greater than total number of requests'), 'ab refusal not shown');
  await page.fill("[data-field='ab.flags']", '-n 200000 -c 100 -k -H "Accept-Encoding: gzip"');
  // Record every frame's length while it runs.
  await page.evaluate(() => { window.frames_ms = []; let last = performance.now();
    const tick = now => { window.frames_ms.push(now - last); last = now; if (window.frames_ms.length < 100000) requestAnimationFrame(tick); };
    requestAnimationFrame(tick); });
  await page.click('.benchmark button[type=submit]');
  await page.waitForSelector('.benchmark progress');
  await page.waitForSelector('.ab-report pre', { timeout: 60000 });
  const report = await page.textContent('.ab-report pre');
  check(report.includes('Complete requests:      200000') && /Keep-Alive requests:\s+\d+/.test(report), report);
  check(report.includes('Percentage of the requests served within a certain time (ms)'), report);
  const longest = await page.evaluate(() => Math.max(...window.frames_ms.slice(1)));
  console.log(`     ab -n 200000 -c 100 -k in the page: longest frame ${longest.toFixed(1)} ms`);
  // The report taken away as text is the report shown, byte for byte.
  const [saved] = await Promise.all([page.waitForEvent('download'), page.click('.ab-report button:has-text("Save as text")')]);
  check(saved.suggestedFilename() === 'scalelab-ab-report.txt', saved.suggestedFilename());
  check(await readFile(await saved.path(), 'utf8') === report, 'the saved report differs from the one shown');
  await page.selectOption('.benchmark select', 'algorithm:least_connections');
  await page.fill("[data-field='ab.flags']", '-n 5000 -c 20');
  await page.click('.benchmark button[type=submit]');
  await page.waitForFunction(() => document.querySelectorAll('.ab-report pre').length === 2, null, { timeout: 30000 });
  const captions = await page.$$eval('.ab-report > figcaption', f => f.map(x => x.textContent));
  check(captions[1].includes('Least connections'), captions.join(' | '));
  // Compared charts share one time axis (the longer run's), so the two tails compare by eye.
  const scales = await page.$$eval('.ab-report .chart .unit', u => u.map(x => x.textContent.match(/0 to (\d+) ms/)).filter(Boolean).map(m => m[1]));
  check(scales.length === 4 && new Set(scales).size === 1, scales.join(' | '));
  // Beside ab's report, where its requests went: one bar per server.
  const perServer = await page.$$eval('.ab-report svg[aria-label="Requests per server"]', s => s.map(x => x.querySelectorAll('rect').length));
  check(perServer.length === 2 && perServer.every(n => n === 4), perServer.join(' | '));
  await page.locator('.benchmark').screenshot({ path: join(artifacts, 'benchmark.png') });
  // ab's -h lists the flags and keeps the reports on screen.
  await page.fill("[data-field='ab.flags']", '-h');
  await page.click('.benchmark button[type=submit]');
  await page.waitForFunction(() => [...document.querySelectorAll('.benchmark pre')].some(p => p.textContent.includes('-n requests')));
  check(await page.$$eval('.ab-report pre', p => p.length) === 2, 'the reports stayed');
  await page.close();
});

await test('the caching lab downloads its drawing, its seconds and its figures', async () => {
  const page = await open(base + '?lesson=caching&step=3');
  await page.waitForSelector('.cache-lab .lab-diagram');
  await page.selectOption('.controls select', { label: '10× fast' });
  await page.waitForFunction(() => Number(document.querySelector('.controls .clock').textContent.match(/[\d.]+/)) > 3, null, { timeout: 20000 });
  const [svgName, svg] = await saveDownload(page, 'Diagram (SVG)');
  const parsed = await page.evaluate(text => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    return { error: !!doc.querySelector('parsererror'), texts: [...doc.querySelectorAll('text')].map(t => t.textContent).join(' ') };
  }, svg);
  check(/^scalelab-diagram-t[\d.]+s\.svg$/.test(svgName) && !parsed.error && /Browser/i.test(parsed.texts), `the lab's SVG: ${svgName} ${parsed.texts.slice(0, 120)}`);
  const [csvName, csv] = await saveDownload(page, 'Chart data (CSV)');
  const lines = csv.trim().split('\n');
  check(csvName.endsWith('.csv') && lines[0].startsWith('second,user_requests,browser_hits') && lines.length >= 4, csv.slice(0, 200));
  check(lines.slice(1).every(l => l.split(',').length === lines[0].split(',').length), 'ragged CSV');
  const [, json] = await saveDownload(page, 'Figures (JSON)');
  const figures = JSON.parse(json);
  check(figures.caching?.counters?.user_requests > 0, `figures: ${json.slice(0, 200)}`);
  await page.click('.controls .downloads summary');
  const [pngDownload] = await Promise.all([page.waitForEvent('download'), page.click('.controls .downloads button:has-text("Diagram (PNG)")')]);
  const png = await readFile(await pngDownload.path());
  check(png.subarray(1, 4).toString() === 'PNG', 'not a PNG file');
  await writeFile(join(artifacts, 'caching-lab-download.png'), png);
  check(page.errors.length === 0, `console errors: ${page.errors.join(' | ')}`);
  await page.close();
});

await test('the caching lab shows each cache\'s decision, takes header edits, and replays an injected failure', async () => {
  const page = await open(base);
  await page.selectOption('.lesson-choice select', 'caching');
  await page.click('text=3. ETag and 304');
  await page.waitForSelector('.cache-lab .lab-diagram');
  // ab drives the server pool, which the lab does not show: no benchmark panel here.
  check((await page.$$('details.benchmark')).length === 0, 'a benchmark panel in the caching lab');
  // Nor a "+ Server" button: the lab has no pool to add to.
  check((await page.$$('.controls button:has-text("+ Server")')).length === 0, '+ Server in the caching lab');
  await page.selectOption('.controls select', { label: '2× fast' });
  // The page's own route revalidates every time: wait for a 304 and open it in the inspector.
  await page.waitForFunction(() => [...document.querySelectorAll('.lab-figures div')]
    .some(d => d.textContent.startsWith('304 Not Modified') && !d.textContent.endsWith('0')), null, { timeout: 20000 });
  await page.click('.controls button.primary'); // pause, so the list holds still
  // The page itself ("GET /", not "GET /products/1"). The list holds the latest 12 exchanges, and
  // a quarter of requests are for the page: if none is among them when it paused, play a little
  // more and pause again.
  const fromBrowser = page.locator('.exchanges button', { has: page.locator('.what', { hasText: /GET \/$/ }) }).first();
  for (let tries = 0; tries < 20 && await fromBrowser.count() === 0; tries++) {
    await page.click('.controls button.primary');
    await page.waitForTimeout(150);
    await page.click('.controls button.primary');
  }
  await fromBrowser.click();
  const detail = await page.textContent('.exchange-detail');
  check(/browser cache: (no-cache: must revalidate|miss)/.test(detail), `no browser decision: ${detail}`);
  check(detail.includes('Cache-Control: no-cache'), `response headers missing: ${detail}`);
  await shot(page, 'caching-inspector');
  // A header typed wrong is named beside its field, and the lab keeps running as it was.
  const cc = "[data-field='caching.routes.0.cache_control']";
  await page.fill(cc, 'max-age=soon');
  await page.press(cc, 'Enter');
  await page.waitForSelector('.knob.invalid .error');
  check((await page.textContent('.knob.invalid .error')).includes('whole seconds'), 'no message for a bad header');
  // Crash the cache node in step 7 (write-behind): lost writes, and the link replays the crash.
  await page.click('text=5. Cache node');
  await page.waitForSelector('.lab-node.cache-node');
  // (a preset plays as it loads, though the run before it was paused)
  await page.waitForTimeout(1500);
  await page.click('text=Crash the cache node');
  await page.waitForSelector('.lab-node.cache-node.down');
  check((await page.textContent('.knobs')).includes('cache node crashed'), 'the crash is not in the timeline');
  // A share link replays the lab exactly: the same figures at the same moment, crash included.
  await page.waitForTimeout(1000);
  await page.click('.controls button.primary'); // pause (it has been playing since before the crash)
  await page.waitForFunction(() => document.querySelector('.controls button.primary').textContent.includes('Play'));
  const figures = await page.textContent('.lab-figures');
  const time = await clock(page);
  await page.click('text=Share');
  const url = await page.inputValue('.dialog textarea');
  await page.click('.dialog button');
  const again = await open(url);
  check((await again.textContent('.knobs')).includes('cache node crashed'), 'the link lost the crash');
  check(await clock(again) === time, `time ${await clock(again)} != ${time}`);
  check(await again.textContent('.lab-figures') === figures, `replay differs:\n${await again.textContent('.lab-figures')}\n${figures}`);
  await again.close();
  check(page.errors.length === 0, `console errors: ${page.errors.join(' | ')}`);
  await page.close();
  const phone = await open(base, { width: 390, height: 844 });
  await phone.selectOption('.lesson-choice select', 'caching');
  await phone.click('text=4. Shared cache');
  await phone.waitForSelector('.cache-lab .lab-diagram');
  await phone.waitForTimeout(800);
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `the caching lab is ${overflow}px wider than the phone`);
  await phone.locator('.cache-lab').screenshot({ path: join(artifacts, 'caching-phone.png') });
  await phone.close();
});

await test('a phone viewport has no sideways scrolling', async () => {
  const page = await open(base, { width: 390, height: 844 });
  await page.waitForTimeout(800);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `page is ${overflow}px wider than the phone`);
  check(await page.locator('svg.diagram.tall').count() === 1, 'phone should get the tall diagram');
  await shot(page, 'phone');
  await page.close();
});

await test('the SQL console runs a query, shows its plan, and the link replays it', async () => {
  const page = await open(base);
  await page.selectOption('.lesson-choice select', 'partitioning');
  await page.click('text=Sharded by user');
  await page.waitForSelector('.data-console .db-server');
  check(await page.locator('.data-console .db-server').count() === 4, 'four shards drawn');
  await page.fill('#sql-box', 'SELECT * FROM orders WHERE user_id = 7');
  await page.click('.data-console button:has-text("Run")');
  await page.waitForFunction(() => document.querySelector('.data-console .plan')?.textContent.includes('Single shard'));
  check(await page.locator('.data-console .db-server.touched').count() === 1, 'one shard reached');
  check(await page.locator('.data-console table.result tbody tr').count() > 0, 'rows shown');
  await page.fill('#sql-box', 'SELECT AVG(total_cents) FROM orders');
  await page.click('.data-console button:has-text("Run")');
  await page.waitForFunction(() => document.querySelector('.data-console .plan')?.textContent.includes('SUM(total_cents), COUNT(total_cents)'));
  check(await page.locator('.data-console .db-server.touched').count() === 4, 'the scatter reached every shard');
  const average = await page.textContent('.data-console table.result tbody td');
  await shot(page, 'data-console');
  // Add a shard while the data stays: the console counts what moved, the rows do not change.
  await page.click('.data-console button:has-text("+ Shard")');
  await page.waitForFunction(() => document.querySelector('.data-console .plan')?.textContent.includes('Resharded from 4 to 5'));
  check(await page.locator('.data-console .db-server').count() === 5, 'five shards drawn');
  await page.fill('#sql-box', 'SELECT AVG(total_cents) FROM orders');
  await page.click('.data-console button:has-text("Run")');
  await page.waitForFunction(() => document.querySelector('.data-console .plan')?.textContent.includes('Scatter to 5 of 5'));
  check(await page.textContent('.data-console table.result tbody td') === average, 'the same average on five shards');
  // Traffic with Zipf-popular keys: each server's share of the work.
  await page.click('.data-console button:has-text("Traffic")');
  await page.waitForFunction(() => document.querySelector('.data-console .plan')?.textContent.includes('1000 reads with Zipf-popular keys'));
  // A bad query names the problem and keeps what was there.
  await page.fill('#sql-box', 'SELECT * FORM users');
  await page.click('.data-console button:has-text("Run")');
  await page.waitForSelector('.data-console .sql-error');
  check((await page.textContent('.data-console .sql-error')).includes('syntax error at or near "FORM"'), 'the error names the place');
  check(await page.locator('.data-console .db-server').count() === 5, 'the shards are still there');
  // The link keeps the queries: opened elsewhere, it replays them to the same answer.
  const hash = await page.evaluate(() => location.hash);
  const again = await open(base + hash);
  await again.waitForSelector('.data-console .sql-error');
  check((await again.textContent('.data-console .sql-box')) !== null, 'the console is there');
  check(page.errors.length === 0 && again.errors.length === 0, `console errors: ${page.errors.concat(again.errors).join(' | ')}`);
  await again.close();
  // Switch layouts: partitions prune.
  await page.click('text=Orders by month');
  await page.waitForFunction(() => document.querySelector('.data-console h2')?.textContent.includes('partitioned'));
  await page.fill('#sql-box', "SELECT COUNT(*) FROM orders WHERE created_at >= '2025-03-01' AND created_at < '2025-05-01'");
  await page.click('.data-console button:has-text("Explain")');
  await page.waitForFunction(() => document.querySelector('.data-console .plan')?.textContent.includes('Partitions scanned: 2 of 12'));
  await page.close();
  const phone = await open(base + hash, { width: 390, height: 844 });
  await phone.waitForSelector('.data-console .db-server');
  await phone.fill('#sql-box', 'SELECT AVG(total_cents) FROM orders');
  await phone.click('.data-console button:has-text("Run")');
  await phone.waitForSelector('.data-console table.result');
  check(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'the page fits a phone');
  check((await phone.textContent('.data-console table.result tbody td')) === average, 'the same average on the phone');
  await shot(phone, 'data-console-phone');
  await phone.close();
});

await test('the web tier queries the database: one server is the limit, shards lift it', async () => {
  const page = await openPreset('partitioning', 'The database is the limit', ".diagram [data-node='database-0']");
  check(await page.locator('.diagram .node.database').count() === 1, 'one database server drawn');
  check(await page.locator(".diagram [data-node='router']").count() === 0, 'no router in front of one server');
  // Let the run reach a few simulated seconds: the database is the busy one.
  await page.waitForFunction(() => /100% busy/.test(document.querySelector(".diagram [data-node='database-0'] title")?.textContent ?? ''), null, { timeout: 30000 });
  await shot(page, 'data-web-tier');
  // The database's knobs: more connections restart the run with them.
  await page.fill("[data-field='data.web.connections']", '8');
  await page.press("[data-field='data.web.connections']", 'Enter');
  await page.waitForFunction(() => /8 threads busy|\/8 threads/.test(document.querySelector(".diagram [data-node='database-0'] title")?.textContent ?? ''));
  // Crash it from its inspector: every query fails until it recovers.
  await page.click(".diagram [data-node='database-0']");
  await page.waitForSelector('.server-panel h2:has-text("Database")');
  await page.click('.server-panel button:has-text("Crash")');
  await page.waitForSelector(".diagram .node.database.faulty");
  await page.click('.server-panel button:has-text("Recover")');
  await page.waitForFunction(() => !document.querySelector('.diagram .node.database.faulty'));
  await page.click('button:has-text("Sharded: the limit lifts")');
  await page.waitForSelector(".diagram [data-node='router']");
  check(await page.locator('.diagram .node.database').count() === 4, 'four shards drawn behind the router');
  await page.waitForTimeout(1500);
  await shot(page, 'data-web-tier-sharded');
  // Two strategies side by side: one reshard, both answers.
  await page.click('button:has-text("Jump hash, 4 shards")');
  await page.waitForSelector(".diagram [data-node='router']");
  await page.selectOption("[data-field='compare_with']", 'sharding:hash_mod');
  await page.click('.data-console button:has-text("+ Shard")');
  await page.waitForFunction(() => document.querySelector('.data-console .answer.twin .plan')?.textContent.includes('Resharded from 4 to 5 shards (hash mod N)'));
  check((await page.textContent('.data-console .plan')).includes('Resharded from 4 to 5 shards (jump consistent hash)'), 'the first run resharded under jump hash');
  check(await page.locator(".diagram [data-node='router']").count() === 2, 'two routers, one per run');
  await shot(page, 'data-reshard-split');
  check(page.errors.length === 0, `console errors: ${page.errors.join(' | ')}`);
  await page.close();
  await (await onPhone('partitioning', 'Sharded: the limit lifts', ".diagram [data-node='router']", 'data-web-tier-phone')).close();
});

await test('replication: replicas lag, and reads that miss their own write are counted', async () => {
  const page = await openPreset('replication', 'Replicas that lag', ".diagram [data-node='database-2']");
  check((await page.textContent(".diagram [data-node='database-0'] title")).startsWith('Primary'), 'the primary drawn');
  check((await page.textContent(".diagram [data-node='database-1'] title")).includes('lag '), 'a replica shows its lag');
  await page.waitForFunction(() => /: [1-9]\d* missed their user's own last write/.test(document.querySelector('.data-console .replication')?.textContent ?? ''), null, { timeout: 30000 });
  // The space-time view marks the missed write on its replica's line; focus and Enter explain it.
  await page.waitForSelector('.space-time .st-mark.anomaly');
  await page.click('.controls button.primary'); // pause
  await page.locator('.space-time .st-mark.anomaly').first().focus();
  await page.keyboard.press('Enter');
  check(/user \d+'s read on replica \d/.test(await page.textContent('.space-time .st-explain')), 'a mark explains its anomaly');
  await page.click('.controls button.primary'); // play
  await page.fill("[data-field='data.replication.apply_per_s']", '500');
  await page.press("[data-field='data.replication.apply_per_s']", 'Enter');
  await page.waitForFunction(() => /log at/.test(document.querySelector(".diagram [data-node='database-0'] title")?.textContent ?? ''));
  // The fix, chosen in the form: its own number appears beside it.
  await page.selectOption("[data-field='data.replication.fix']", 'wait_for_position');
  await page.waitForSelector("[data-field='data.replication.fix.timeout_ms']");
  check((await page.inputValue("[data-field='data.replication.fix.timeout_ms']")) === '500', 'the wait fix starts at 500 ms');
  // With the fix, reads keep coming and none misses its user's write.
  await page.waitForFunction(() => /Of [1-9]\d{2,} reads .*: 0 missed their user's own last write/.test(document.querySelector('.data-console .replication')?.textContent ?? ''), null, { timeout: 30000 });
  // A network partition from the replica's inspector: its box says so.
  await page.click(".diagram [data-node='database-1']");
  await page.waitForSelector('.server-panel h2:has-text("Replica 1")');
  await page.click('.server-panel button:has-text("Cut its link")');
  await page.waitForFunction(() => /link cut/.test(document.querySelector(".diagram [data-node='database-1'] title")?.textContent ?? ''));
  await shot(page, 'replication');
  await page.click('.server-panel button:has-text("Heal its link")');
  await page.waitForFunction(() => !/link cut/.test(document.querySelector(".diagram [data-node='database-1'] title")?.textContent ?? ''));
  // Two commit modes on the same traffic: the twin's line says what it waited for.
  await page.selectOption("[data-field='compare_with']", 'commit:remote_apply');
  await page.waitForFunction(() => /Beside it, PostgreSQL remote_apply: .*Commits \(PostgreSQL synchronous_commit = remote_apply/.test(document.querySelector('.data-console .replication.twin')?.textContent ?? ''), null, { timeout: 30000 });
  await shot(page, 'replication-split');
  check(page.errors.length === 0, `console errors: ${page.errors.join(' | ')}`);
  await page.close();
});

await test('replication: crash the primary, promote a replica by hand, see the lost writes, share and reopen', async () => {
  const page = await openPreset('replication', 'Replicas that lag', ".diagram [data-node='database-2']");
  // Heartbeats off: only the student promotes (heartbeats would promote replica 1 about 4.5 s
  // of wall time after the crash, a race with the clicks below on a busy machine).
  await page.uncheck("[data-field='data.replication.failover']");
  await page.waitForFunction(() => !document.querySelector("[data-field='data.replication.failover']").checked);
  await page.selectOption('.controls select', { label: '2× fast' });
  await page.waitForFunction(() => /log at [1-9]/.test(document.querySelector(".diagram [data-node='database-0'] title")?.textContent ?? ''), null, { timeout: 30000 });
  // Promoting a replica while the primary is up is refused, in words.
  await page.click(".diagram [data-node='database-2']");
  await page.waitForSelector('.server-panel h2:has-text("Replica 2")');
  await page.click('.server-panel button:has-text("Promote to primary")');
  await page.waitForFunction(() => /the primary is up: crash it first/.test(document.body.textContent));
  await page.click(".diagram [data-node='database-0']");
  await page.waitForSelector('.server-panel h2:has-text("Primary")');
  await page.click('.server-panel button:has-text("Crash")');
  await page.click(".diagram [data-node='database-2']");
  await page.waitForSelector('.server-panel h2:has-text("Replica 2")');
  await page.click('.server-panel button:has-text("Promote to primary")');
  await page.waitForFunction(() => (document.querySelector(".diagram [data-node='database-2'] title")?.textContent ?? '').startsWith('Primary'), null, { timeout: 30000 });
  check((await page.textContent(".diagram [data-node='database-0'] title")).includes('fenced'), 'the old primary is fenced');
  const line = await page.textContent('.data-console .replication');
  check(/Failover at [\d.]+ s: replica 2 became the primary; \d+ write\(s\) lost/.test(line), `no failover in: ${line}`);
  await shot(page, 'replication-failover');
  const again = await pauseAndReopen(page);
  await again.waitForFunction(() => (document.querySelector(".diagram [data-node='database-2'] title")?.textContent ?? '').startsWith('Primary'), null, { timeout: 30000 });
  check((await again.textContent('.data-console .replication')) === (await page.textContent('.data-console .replication')), 'the link replays the same failover');
  check(page.errors.length === 0 && again.errors.length === 0, `console errors: ${[...page.errors, ...again.errors].join(' | ')}`);
  await page.close();
  await again.close();
  await (await onPhone('replication', 'Failover, asynchronous', ".diagram [data-node='database-2']", 'replication-phone')).close();
});

await test('replicated shards: each shard logs to its own replicas, drawn on the way; share and reopen; a phone', async () => {
  const page = await openPreset('replication', 'Each shard replicated', ".diagram [data-node='database-5']");
  check((await page.textContent(".diagram [data-node='database-0'] title")).startsWith('-80 primary'), 'shard -80 primary drawn');
  check((await page.textContent(".diagram [data-node='database-4'] title")).startsWith('80- replica 1'), "80-'s first replica drawn");
  // The log entries travel beside the column (four logs: two shards, two replicas each).
  check(await page.locator('.diagram .log-link').count() === 4, 'a log link from each primary to each replica');
  await page.waitForSelector('.diagram-motion .log-entry', { timeout: 30000 });
  check(await page.locator('.diagram-motion .lag-bar').count() === 4, 'a lag bar on each replica');
  await page.waitForFunction(() => /Shard -80: Primary's log: [1-9]\d* writes.*Shard 80-: Primary's log: [1-9]/.test(document.querySelector('.data-console .replication')?.textContent ?? ''), null, { timeout: 30000 });
  check(!(await page.isVisible('button:has-text("+ Shard")')), 'no reshard offered while each shard is replicated');
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'replicated-shards');
  const again = await pauseAndReopen(page);
  await again.waitForFunction(() => /Shard 80-/.test(document.querySelector('.data-console .replication')?.textContent ?? ''), null, { timeout: 30000 });
  check((await again.textContent('.data-console .replication')) === (await page.textContent('.data-console .replication')), 'the link replays the same logs');
  check(page.errors.length === 0 && again.errors.length === 0, `console errors: ${[...page.errors, ...again.errors].join(' | ')}`);
  await page.close();
  await again.close();
  const phone = await onPhone('replication', 'Each shard replicated', ".diagram [data-node='database-5']", 'replicated-shards-phone');
  check(phone.errors.length === 0, `console errors: ${phone.errors.join(' | ')}`);
  await phone.close();
});

await test('multi-primary: a clock ahead loses later edits, listed; cut a region; share and reopen; certification on a phone', async () => {
  const page = await openPreset('replication', 'Two primaries, a clock ahead', ".diagram [data-node='database-1']");
  check((await page.textContent(".diagram [data-node='database-0'] title")).includes('clock +500 ms'), 'primary 1 shows its clock');
  await page.selectOption('.controls select', { label: '2× fast' });
  await page.waitForFunction(() => /the clock ahead won/.test(document.querySelector('.data-console .conflicts')?.textContent ?? ''), null, { timeout: 30000 });
  const line = await page.textContent('.data-console .replication');
  check(/2 primaries, 40 ms apart, Last writer wins \(Cassandra 4\); clocks \+500 ms, \+0 ms\. \d+ writes; \d+ writes discarded/.test(line), `no multi-primary line in: ${line}`);
  // Cut primary 2's region off from its inspector: its caption says so.
  await page.click(".diagram [data-node='database-1']");
  await page.waitForSelector('.server-panel h2:has-text("Primary 2")');
  await page.click('.server-panel button:has-text("Cut its region off")');
  await page.waitForFunction(() => (document.querySelector(".diagram [data-node='database-1'] title")?.textContent ?? '').includes('region cut off'), null, { timeout: 30000 });
  await page.click('.server-panel button:has-text("Reconnect its region")');
  await shot(page, 'multi-primary');
  await page.click('.controls button.primary'); // pause
  await page.waitForFunction(() => document.querySelector('.controls button.primary').textContent.includes('Play'));
  // The space-time view marks each conflict where it happened; a click explains it.
  await page.locator('.space-time .st-mark').last().click();
  check(/wrote '.*' at \d+ ms/.test(await page.textContent('.space-time .st-explain')), 'a clicked mark explains its conflict');
  const again = await reopen(page);
  await again.waitForFunction((want) => document.querySelector('.data-console .replication')?.textContent === want, line.length ? await page.textContent('.data-console .replication') : '', { timeout: 30000 });
  check(page.errors.length === 0 && again.errors.length === 0, `console errors: ${[...page.errors, ...again.errors].join(' | ')}`);
  await page.close();
  await again.close();
  const phone = await openPreset('replication', 'Certification: Galera', ".diagram [data-node='database-1']", { width: 390, height: 844 });
  await phone.waitForFunction(() => /ERROR 1213/.test(document.querySelector('.data-console .conflicts')?.textContent ?? ''), null, { timeout: 60000 });
  check(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'the page fits a phone');
  await phone.locator('.data-console').first().screenshot({ path: join(artifacts, 'multi-primary-phone.png') });
  await phone.close();
});

// (last: these leave other scenarios in the browser's storage, which a bare address reopens)
await test('less motion: nothing autoplays, the links show counts instead of moving dots, and the page redraws in steps', async () => {
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', e => page.errors.push(String(e)));
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.setViewportSize({ width: 1400, height: 950 });
  await page.goto(base + '?lesson=first-look&step=2');
  await appReady(page);
  check(/Play/.test(await page.textContent('.controls button.primary')), 'it played on its own');
  await page.click('.controls button.primary');
  await page.waitForSelector('.diagram-motion .link-count', { timeout: 5000 });
  check(await page.locator('.diagram-motion .dot-run, .diagram-motion .dot').count() === 0, 'moving dots drawn');
  const counts = (await page.locator('.diagram-motion .link-count text').allTextContents()).map(Number);
  check(counts.length > 0 && counts.every(n => n > 0), `counts: ${counts}`);
  check((await page.textContent('.diagram-note')).includes('Motion reduced'), 'the counts are not explained');
  // Stepped: over 3 s of wall time, the clock on the page changes about once a second.
  const seen = new Set();
  for (let i = 0; i < 30; i++) { seen.add(await clock(page)); await page.waitForTimeout(100); }
  check(seen.size >= 2 && seen.size <= 5, `the page redrew ${seen.size} times in 3 s`);
  await page.screenshot({ path: join(artifacts, 'reduced-motion.png') });
  check(page.errors.length === 0, `errors: ${page.errors.join(' | ')}`);
  await page.close();
});

await test('on a phone 390 px wide, no text in the diagram is drawn under 11 px', async () => {
  for (const address of ['?lesson=first-look&step=1', '?lesson=sessions&step=3', '?lesson=replication&step=1', '?lesson=partitioning&step=3', '?lesson=caching&step=5']) {
    const page = await open(base + address, { width: 390, height: 844 });
    await page.waitForTimeout(500);
    await checkDiagramTextAtLeast11px(page, address);
    await page.close();
  }
});

await test('an embed draws its diagram at its frame\'s size: no text under 11 px from 320×240 up, and nothing out of the frame', async () => {
  for (const [w, h] of [[320, 240], [320, 480], [480, 320], [640, 400], [800, 520], [1000, 700]]) {
    for (const lesson of ['first-look&step=1', 'replication&step=1', 'autoscaling&step=1', 'caching&step=1']) {
      const page = await open(base + '?embed=1&lesson=' + lesson, { width: w, height: h });
      await page.waitForTimeout(500);
      await checkDiagramTextAtLeast11px(page, `${w}×${h} ${lesson}`);
      const { scroll, link } = await page.evaluate(() => ({
        scroll: [document.documentElement.scrollWidth, document.documentElement.scrollHeight],
        link: document.querySelector('.open-full').getBoundingClientRect().bottom,
      }));
      check(scroll[0] <= w && scroll[1] <= h && link <= h, `${w}×${h} ${lesson}: the page is ${scroll}, its link ends at ${link}`);
      if (!lesson.startsWith('autoscaling')) await shot(page, `embed-fitted-${lesson.split('&')[0]}-${w}x${h}`);
      if (lesson.startsWith('caching')) {
        // The caching lab draws in a fixed space: it scrolls inside the frame, the page does not.
        const lab = await page.evaluate(() => getComputedStyle(document.querySelector('.cache-lab')).overflowY);
        check(lab === 'auto', `${w}×${h}: the caching lab does not scroll inside the frame (${lab})`);
      }
      await page.close();
    }
  }
});

await test('the timeline: drag back to a moment the run reached, see it rebuilt, and go on from there', async () => {
  // Past the crash at 20 s: server 2 is down.
  const { page, end } = await sessionsPausedPast(26);
  check(end >= 26, `the timeline ends at ${end}`);
  const crashedAt = await page.locator(".diagram [data-server='1']").getAttribute('class');
  check(/crashed|down|fault/.test(crashedAt), `server 2 is not down at the end: ${crashedAt}`);
  // Back to 10 s, before the crash: the run is rebuilt there, server 2 up, the timeline still ends at the end.
  await seekTo(page, 10);
  const before = await page.locator(".diagram [data-server='1']").getAttribute('class');
  check(!/crashed|down|fault/.test(before), `server 2 is not up at 10 s: ${before}`);
  check(Number(await page.getAttribute('.timeline-scrub input', 'max')) === end, 'the timeline lost its end');
  check(/Play/.test(await page.textContent('.controls button.primary')), 'a seek while paused plays');
  // The same moment reopens from the link.
  const again = await reopen(page);
  check(/t = 10\.0+ s/.test(await clock(again)), `the link reopened at ${await clock(again)}`);
  check(page.errors.length === 0, `console errors: ${page.errors.join(' | ')}`);
  await page.close();
  await again.close();
});

await test('the diagram zooms: pinch on a phone, buttons and a drag on a computer, and a drag opens nothing', async () => {
  const page = await open(base + '#' + (await freshLink()));
  const width = async () => Number((await page.getAttribute('svg.diagram', 'viewBox')).split(' ')[2]);
  const whole = await width();
  await page.click('button[aria-label="Zoom into the diagram"]');
  check(Math.abs(await width() - whole / 1.5) < 0.5, `zoomed to ${await width()} of ${whole}`);
  // A drag moves the drawing about; letting go over a server does not open it.
  // (The drawing follows the pointer, so the drag starts and ends on the same server.)
  const server = await page.locator(".node.server[data-server='1']").boundingBox();
  const xBefore = Number((await page.getAttribute('svg.diagram', 'viewBox')).split(' ')[0]);
  await page.mouse.move(server.x + server.width / 2, server.y + server.height / 2);
  await page.mouse.down();
  await page.mouse.move(server.x + server.width / 2 - 120, server.y + server.height / 2, { steps: 8 });
  await page.mouse.up();
  const xAfter = Number((await page.getAttribute('svg.diagram', 'viewBox')).split(' ')[0]);
  check(xAfter > xBefore, `the drag did not move the drawing (${xBefore} → ${xAfter})`);
  check(await page.locator('.server-panel').count() === 0, 'the drag opened an inspector');
  await page.click('text=Whole');
  check(await width() === whole, 'Whole did not show the whole drawing');
  // A pinch on a phone: two fingers moving apart zoom in about their midpoint.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForFunction(() => document.querySelector('svg.diagram').classList.contains('tall'));
  const tall = await width();
  await page.locator('.diagram-box').evaluate(el => {
    const r = el.getBoundingClientRect();
    const at = (id, x, type) => el.dispatchEvent(new PointerEvent(type, { pointerId: id, pointerType: 'touch', clientX: r.left + x, clientY: r.top + r.height / 2, bubbles: true, isPrimary: id === 1 }));
    at(1, 150, 'pointerdown'); at(2, 200, 'pointerdown');
    at(2, 250, 'pointermove');
    at(1, 150, 'pointerup'); at(2, 250, 'pointerup');
  });
  await page.waitForFunction(w => Number(document.querySelector('svg.diagram').getAttribute('viewBox').split(' ')[2]) < w * 0.6, tall);
  check(await page.locator('.diagram-box.zoomed').count() === 1, 'not marked zoomed');
  await shot(page, 'diagram-pinched-phone');
  check(page.errors.length === 0, `console errors: ${page.errors.join(' | ')}`);
  await page.close();
});

await test('the gallery: the curriculum in order with live thumbnails, a lesson from it, and the sandbox', async () => {
  const page = await open(base + '?home', undefined, '.gallery .thumbnail svg');
  const titles = await page.locator('.gallery .card h3').allTextContents();
  check(titles.join(' | ') === '1. First look | 2. Scaling | 3. Load balancing | 4. Sessions | 5. Autoscaling | 6. Partitioning and sharding | 7. Replication | 8. Caching | 9. Benchmarking | Sandbox',
    `the gallery's order: ${titles.join(' | ')}`);
  const promises = await page.locator('.gallery .card p').allTextContents();
  check(promises.every(p => p.length > 30), 'a card without its promise');
  check(await page.locator('.gallery .thumbnail svg').count() >= 9, 'a lesson without its thumbnail');
  // Live: the first thumbnail moves.
  const before = await page.locator('.gallery .thumbnail >> nth=0').innerHTML();
  await page.waitForFunction(b => document.querySelector('.gallery .thumbnail').innerHTML !== b, before, { timeout: 5000 });
  // Nothing inside a thumbnail is reachable by Tab.
  check(await page.locator('.gallery .thumbnail').evaluateAll(ts => ts.every(t => t.inert)), 'a thumbnail is not inert');
  check(await page.locator('.gallery .thumbnail .zoom-buttons').evaluateAll(bs => bs.every(b => b.offsetParent === null)), 'a thumbnail shows zoom buttons');
  const violations = await seriousViolations(page);
  check(violations.length === 0, `axe: ${violations.join(' | ')}`);
  await shot(page, 'gallery');
  // A lesson from the gallery: its first step runs, the gallery is gone; All lessons brings it back.
  await page.click('button[aria-label="Start Caching"]');
  await page.waitForSelector('.cache-lab');
  check(await page.locator('.gallery').count() === 0, 'the gallery stayed');
  check(/Caching/.test(await page.textContent('.lesson h2')), 'the lesson beside it is not Caching');
  await page.click('text=All lessons');
  await page.waitForSelector('.gallery .card.current >> text=8. Caching');
  await page.click('text=Open the sandbox');
  await page.waitForSelector('svg.diagram .node.server');
  check(await page.locator('.knobs').count() === 1, 'no knobs in the sandbox');
  check(page.errors.length === 0, `console errors: ${page.errors.join(' | ')}`);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.click('text=All lessons');
  await page.waitForSelector('.gallery .thumbnail svg');
  await shot(page, 'gallery-phone');
  await page.close();
});

await test('the charts zoom out to the whole run, with every decision and change marked, to hover or tap', async () => {
  const page = await open(base + '?lesson=autoscaling&step=3');
  await page.selectOption('.controls select', { label: '100× fast' });
  if (/Play/.test(await page.textContent('.controls button.primary'))) await playing(page);
  await page.waitForFunction(() => Number(document.querySelector('.controls .clock').textContent.match(/[\d.]+/)) > 400, null, { timeout: 60000 });
  await page.click('.controls button.primary'); // pause
  const points = async () => Number(await page.getAttribute('.chart >> nth=0', 'data-points'));
  check(await points() <= 61, `the last minute has ${await points()} points`);
  await page.selectOption('.chart-zoom select', { label: 'the whole run' });
  await page.waitForFunction(() => document.querySelector('.chart .x-first').textContent === '1 s' || document.querySelector('.chart .x-first').textContent === '2 s');
  const whole = await points();
  check(whole > 61 && whole <= 300, `the whole run has ${whole} points`);
  check(/each point is \d+ s: their mean rates and worst latency/.test(await page.textContent('.chart-zoom')), 'the points\' seconds are not said');
  const decisions = await page.locator('.chart >> nth=0 >> .mark.up').count();
  check(decisions >= 2, `${decisions} scale-out marks over the whole run`);
  // A tap on a decision's mark writes it under the chart.
  await page.locator('.chart >> nth=0 >> .mark.up .mark-hit').first().click({ force: true });
  const note = await page.textContent('.chart >> nth=0 >> .mark-note');
  check(/^[\d.]+ s: /.test(note) && note.length > 12, `the mark says: ${note}`);
  await shot(page, 'charts-whole-run');
  // Back to the last minute; the choice holds for the next run, a crash is marked as a change.
  await page.selectOption('.chart-zoom select', { label: 'the last minute' });
  await page.selectOption('.controls select', { label: '1× real time' });
  await page.click(".node.server[data-server='0']");
  await page.waitForSelector('.server-panel');
  await page.click('.server-panel >> text=Crash');
  await page.click('.controls button.primary'); // play
  await page.waitForSelector('.chart >> nth=0 >> .mark.change', { state: 'attached', timeout: 15000 });
  check(page.errors.length === 0, `console errors: ${page.errors.join(' | ')}`);
  await page.close();
});

await test('the timeline: back 20 s and forward again is the moment as it was live; a change in the past forks the run', async () => {
  const { page, end } = await sessionsPausedPast(32);
  const live = { clock: await clock(page), diagram: await page.locator('svg.diagram').innerHTML() };
  // Back 20 s, then forward to where it was paused: the same diagram, drawn from a kept copy.
  await seekTo(page, end - 20);
  check(Number(await page.getAttribute('.timeline-scrub input', 'max')) === end, 'the timeline lost its end');
  const took = await page.getAttribute('.timeline-scrub', 'title');
  check(/The last seek replayed [\d.]+ s from the copy kept at [\d.]+ s, in \d+ ms\./.test(took), `no seek figure: ${took}`);
  console.log(`     ${took.slice(took.indexOf('The last seek'))}`);
  // The slider's end is the moment reached itself (the clock when it was paused).
  await seekTo(page, end, live.clock);
  check(await clock(page) === live.clock, `forward again at ${await clock(page)}, live at ${live.clock}`);
  check(await page.locator('svg.diagram').innerHTML() === live.diagram, 'the diagram differs from the live one at the same moment');
  // Back to 10 s and crash server 3 there: the run forks, its timeline ends at the fork, and the
  // scenario's own crash of server 2 at 20 s still comes.
  await seekTo(page, 10);
  await page.click(".node.server[data-server='2']");
  await page.waitForSelector('.server-panel');
  await page.click('.server-panel >> text=Crash');
  await page.waitForSelector('.notice');
  check(/Forked at 10\.0 s/.test(await page.textContent('.notice')), `no fork said: ${await page.textContent('.notice')}`);
  check(Number(await page.getAttribute('.timeline-scrub input', 'max')) < 10.1, 'the old future is still on the timeline');
  check((await page.textContent('.timeline')).includes('crash server 3'), 'the fork is not in the timeline');
  await shot(page, 'timeline-fork');
  // The link records the fork; Back returns to the run before it.
  const again = await reopen(page);
  check((await again.textContent('.timeline')).includes('crash server 3'), 'the link lost the fork');
  await again.close();
  await page.goBack();
  await page.waitForFunction(() => !document.querySelector('.timeline')?.textContent.includes('crash server 3'), null, { timeout: 15000 });
  check(page.errors.length === 0, `console errors: ${page.errors.join(' | ')}`);
  await page.close();
});

await context.close();
server.close();
const passed = results.filter(([, ok]) => ok).length;
const failed = results.length - passed;
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
