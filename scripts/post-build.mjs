// Trunk's post-build hook (Trunk.toml): on the staging directory, first the first paint
// (scripts/prerender.mjs), then the .br and .gz files (scripts/precompress.mjs), in that order,
// since the first paint changes index.html. A first paint that cannot be drawn
// (no Chromium, no playwright-core) is left out with a warning; the app draws itself as before.
import { precompress } from './precompress.mjs';

const dir = process.env.TRUNK_STAGING_DIR || process.argv[2];
if (!dir) { console.error('name the directory: node scripts/post-build.mjs dist'); process.exit(1); }
try {
  // (imported here: without playwright-core, only the first paint is lost)
  const { prerender } = await import('./prerender.mjs');
  await prerender(dir);
} catch (e) {
  console.warn(`[post-build] no first paint in index.html: ${e.message.split('\n')[0]}`);
}
precompress(dir);
