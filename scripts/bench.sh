#!/usr/bin/env bash
# Benchmarks: engine events per second (criterion) and the release bundle's size.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --bench
source scripts/env.sh
echo "== engine events per second (criterion, native)"
# Each case's time and throughput; criterion's "change since the last run" lines (the ones with
# %) are left out: the run they compare against is whatever ran last on this machine.
cargo bench -p scalelab-sim --bench engine --locked -- --noplot 2>&1 | grep -E '^events/|thrpt|time:' | grep -v '%'
echo
echo "== the data tier (criterion, native): point lookups on 1,000,000 rows (beside a plain BTreeMap lookup, the machine's yardstick), a scatter GROUP BY over 1,000,000 rows on 8 shards"
cargo bench -p scalelab-sim --bench data_tier --locked -- --noplot 2>&1 | grep -E '^data/|thrpt|time:' | grep -v '%'
echo
echo "== the timeline (criterion, native): a seek back 10 minutes at 100 servers, and the copies' memory for an hour at 1,000 requests/s"
cargo bench -p scalelab-sim --bench timeline --locked -- --noplot 2>&1 | grep -E '^timeline|thrpt|time:' | grep -v '%'
echo
echo "== every algorithm at 90% load, natively and as wasm (wasm32-wasip1 under node)"
rustup target list --installed | grep -qx wasm32-wasip1 || rustup target add wasm32-wasip1
cargo build -q --release --locked -p scalelab-bench
cargo build -q --release --locked -p scalelab-bench --target wasm32-wasip1
node scripts/throughput.mjs target/release/throughput target/wasm32-wasip1/release/throughput.wasm 3000000
echo
echo "== release bundle"

trunk build --release --offline --locked >/dev/null 2>&1
node scripts/bundle-size.mjs dist
echo
echo "== the built page in headless Chromium: ab -n 1000000 -c 100, and the live diagram at scale (also at 4× CPU throttling)"
node scripts/page-bench.mjs dist
echo
echo "== first load: Lighthouse 12.2.3, mobile preset, the built site served as make serve serves it (the median of 3 runs)"
node scripts/lighthouse.mjs dist
