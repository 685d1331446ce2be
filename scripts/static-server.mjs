// Serves the built site (dist/) as a static host should: the .br or .gz file the build wrote
// beside each file when the browser accepts that encoding, the right types (application/wasm lets
// the browser compile the wasm while it downloads), and caching that suits Trunk's hashed names.
// `make serve` runs it; the e2e tests and the page bench serve dist/ through it too.
// Usage: node scripts/static-server.mjs [dist-dir] [port]
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

/** The encodings a request accepts (`br`, `gzip`), from its Accept-Encoding, in our order of
 *  preference; an encoding given q=0 is refused (RFC 9110 §12.5.3). */
export function acceptedEncodings(header = '') {
  const offered = new Map();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map(p => p.trim()).find(p => p.startsWith('q='));
    offered.set(name, q ? Number(q.slice(2)) : 1);
  }
  const accepts = e => (offered.has(e) ? offered.get(e) : (offered.get('*') ?? 0)) > 0;
  return ['br', 'gzip'].filter(accepts);
}

const SUFFIX = { br: '.br', gzip: '.gz' };

/** Hashed names (Trunk's `name-0123abcd.wasm`) never change: cache them for a year. The page
 *  itself names the current ones, so it is revalidated each time. */
function cacheControl(file) {
  // Trunk writes its 64-bit hash in hex without leading zeros: 16 digits, or fewer one time in 16.
  return /-[0-9a-f]{8,16}(_bg)?\.(wasm|js|css)$/.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache';
}

async function isFile(path) {
  try { return (await stat(path)).isFile(); } catch { return false; }
}

/** A request handler for `dist`. */
export function handler(dist) {
  const root = resolve(dist);
  return async (req, res) => {
    let path;
    try { path = decodeURIComponent(new URL(req.url, 'http://x').pathname); } catch { res.writeHead(400).end('bad path'); return; }
    const file = join(root, path.endsWith('/') ? path + 'index.html' : path);
    if (!file.startsWith(root)) { res.writeHead(403).end(); return; }
    if (!(await isFile(file))) { res.writeHead(404, { 'content-type': 'text/plain' }).end('not found'); return; }
    const headers = {
      'content-type': TYPES[extname(file)] || 'application/octet-stream',
      'cache-control': cacheControl(file),
      vary: 'Accept-Encoding',
    };
    let body = null;
    for (const encoding of acceptedEncodings(req.headers['accept-encoding'])) {
      if (await isFile(file + SUFFIX[encoding])) {
        body = await readFile(file + SUFFIX[encoding]);
        headers['content-encoding'] = encoding;
        break;
      }
    }
    body ??= await readFile(file);
    headers['content-length'] = body.length;
    res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : body);
  };
}

/** Serves `dist` on loopback; resolves to the server and its base address. */
export async function serve(dist, port = 0) {
  const server = createServer(handler(dist));
  await new Promise((ok, fail) => server.once('error', fail).listen(port, '127.0.0.1', ok));
  return { server, base: `http://127.0.0.1:${server.address().port}/` };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dist = process.argv[2] || 'dist';
  const port = Number(process.argv[3] || 8080);
  try {
    const { base } = await serve(dist, port);
    console.log(`Scalelab is at ${base} (Ctrl-C stops it)`);
  } catch (e) {
    console.error(`cannot serve on port ${port}: ${e.message}. Stop what uses it, or give another port: node scripts/static-server.mjs ${dist} 8081`);
    process.exit(1);
  }
}
