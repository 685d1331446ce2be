// Runs the throughput example natively and as WebAssembly (wasm32-wasip1 under node's WASI) and
// prints events per second for each case with the wasm/native time ratio. No thresholds: the
// figures go in the notes; the targets live in the issues.
// Usage: node scripts/throughput.mjs NATIVE_BINARY WASM_FILE [EVENTS_PER_CASE]
import { readFile } from 'node:fs/promises';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

if (process.argv[2] === '--run-wasm') {
  // Child mode: run the module with its stdout on ours.
  const { WASI } = await import('node:wasi');
  const [, , , wasmFile, events] = process.argv;
  const wasi = new WASI({ version: 'preview1', args: ['throughput', events], returnOnExit: true });
  const module = await WebAssembly.compile(await readFile(wasmFile));
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  wasi.start(instance);
} else {
  const [nativeBin, wasmFile, events = '3000000'] = process.argv.slice(2);
  const parse = text => Object.fromEntries(text.trim().split('\n').map(l => JSON.parse(l)).map(r => [r.case, r]));
  const native = parse(execFileSync(nativeBin, [events], { encoding: 'utf8' }));
  // Node 20's WASI can crash while tearing down after the module has finished and printed
  // everything, so read what it printed whatever its exit status.
  const child = spawnSync(process.execPath,
    ['--no-warnings', fileURLToPath(import.meta.url), '--run-wasm', wasmFile, events], { encoding: 'utf8' });
  const wasm = parse(child.stdout);
  const pad = (s, n) => String(s).padStart(n);
  console.log(`${'case (events/s)'.padEnd(36)}${pad('native', 12)}${pad('wasm', 12)}${pad('wasm time / native', 20)}`);
  const memory = native.memory;
  delete native.memory;
  for (const name of Object.keys(native)) {
    const n = native[name].events_per_s;
    const w = wasm[name]?.events_per_s;
    console.log(`${name.padEnd(36)}${pad((n / 1e6).toFixed(2) + ' M', 12)}${pad(w ? (w / 1e6).toFixed(2) + ' M' : '-', 12)}${pad(w ? (n / w).toFixed(2) + '×' : '-', 20)}`);
  }
  const ab = 'ab -n 1000000 -c 100 (10 servers)';
  if (native[ab]) {
    console.log(`${ab}: ${native[ab].seconds.toFixed(3)} s native, ${wasm[ab] ? wasm[ab].seconds.toFixed(3) + ' s wasm' : 'wasm -'}`);
  }
  if (memory) {
    console.log(`memory: ${memory.bytes_per_pending_event} bytes per pending event, ${memory.bytes_per_request_in_flight} bytes per request in flight`);
  }
}
