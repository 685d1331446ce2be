// Lighthouse 12.2.3 (tools/lighthouse, installed by `scripts/setup.sh --bench`) on the built site,
// served as `make serve` serves it (scripts/static-server.mjs: brotli), with its default mobile
// settings (a Moto G Power on slow 4G, CPU slowed 4×) and Debian's Chromium. Prints the median
// of 3 runs (by performance score) and each run's figures. Figures only, no thresholds: the
// targets are in the issues (performance ≥ 98, LCP ≤ 1.8 s, accessibility 100).
// Usage: node scripts/lighthouse.mjs [dist-dir] [runs] [path, e.g. ?embed=1]
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { serve } from './static-server.mjs';

const dist = resolve(process.argv[2] || 'dist');
const runs = Number(process.argv[3] || 3);
const path = process.argv[4] || '';
const cli = resolve('tools/lighthouse/node_modules/.bin/lighthouse');
const { server, base } = await serve(dist);
const work = mkdtempSync(join(tmpdir(), 'scalelab-lighthouse-'));
const results = [];
try {
  for (let i = 0; i < runs; i++) {
    const out = join(work, `run-${i}.json`);
    // (not execFileSync: this process serves the site meanwhile)
    await promisify(execFile)(cli, [base + path, '--only-categories=performance,accessibility', '--output=json',
      `--output-path=${out}`, '--quiet', '--chrome-flags=--headless=new --no-sandbox'],
      { env: { ...process.env, CHROME_PATH: process.env.CHROME_PATH || '/usr/bin/chromium' } });
    const report = JSON.parse(readFileSync(out, 'utf8'));
    const ms = id => report.audits[id].numericValue;
    results.push({
      performance: Math.round(report.categories.performance.score * 100),
      accessibility: Math.round(report.categories.accessibility.score * 100),
      fcp: ms('first-contentful-paint'), lcp: ms('largest-contentful-paint'),
      tbt: ms('total-blocking-time'), si: ms('speed-index'), cls: ms('cumulative-layout-shift'),
    });
  }
} finally {
  server.close();
  rmSync(work, { recursive: true, force: true });
}
const line = r => `performance ${r.performance}, accessibility ${r.accessibility}; FCP ${(r.fcp / 1000).toFixed(1)} s, LCP ${(r.lcp / 1000).toFixed(1)} s, TBT ${Math.round(r.tbt)} ms, Speed Index ${(r.si / 1000).toFixed(1)} s, CLS ${r.cls.toFixed(3)}`;
const sorted = [...results].sort((a, b) => a.performance - b.performance || b.lcp - a.lcp);
const median = sorted[Math.floor(sorted.length / 2)];
console.log(`${base}${path} (median of ${runs}): ${line(median)}`);
results.forEach((r, i) => console.log(`  run ${i + 1}: ${line(r)}`));
