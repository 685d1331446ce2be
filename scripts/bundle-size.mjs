// Prints the release bundle's size (wasm + js + css): raw, gzip -9 and brotli q11. No test, no
// threshold: the figure goes in the notes and the targets live in the issues.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const dist = process.argv[2] || 'dist';
const files = readdirSync(dist).filter(f => /\.(wasm|js|css)$/.test(f));
if (files.length === 0) { console.error(`no bundle in ${dist}: run trunk build --release first`); process.exit(1); }
const kb = n => (n / 1024).toFixed(1).padStart(8) + ' KB';
let total = [0, 0, 0];
console.log('file'.padEnd(40), 'raw'.padStart(11), 'gzip'.padStart(11), 'brotli'.padStart(11));
for (const f of files) {
  const raw = readFileSync(join(dist, f));
  const sizes = [raw.length, gzipSync(raw, { level: 9 }).length,
    brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length];
  total = total.map((t, i) => t + sizes[i]);
  console.log(f.padEnd(40), ...sizes.map(kb));
}
console.log('total'.padEnd(40), ...total.map(kb));
