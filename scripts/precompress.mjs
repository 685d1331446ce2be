// Writes a .gz (gzip -9) and a .br (brotli q11) beside each text or wasm file of the build, so a
// static host can send them as they are (scripts/static-server.mjs does). Trunk's post-build
// hook runs it on its staging directory (scripts/post-build.mjs).
// Usage: node scripts/precompress.mjs DIR
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const COMPRESSIBLE = /\.(html|js|mjs|wasm|css|svg|json)$/;

export function precompress(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !COMPRESSIBLE.test(entry.name)) continue;
    const path = join(entry.parentPath ?? entry.path, entry.name);
    const raw = readFileSync(path);
    writeFileSync(path + '.gz', gzipSync(raw, { level: 9 }));
    writeFileSync(path + '.br', brotliCompressSync(raw, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
    }));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = process.argv[2];
  if (!dir) { console.error('name the directory to compress: node scripts/precompress.mjs dist'); process.exit(1); }
  precompress(dir);
}
