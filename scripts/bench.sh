#!/usr/bin/env bash
# Benchmarks: engine events per second (criterion) and the release bundle's size.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
cargo bench -p scalelab-sim --bench engine --locked -- --noplot 2>&1 | grep -E '^events/|thrpt|time:'
trunk build --release --offline --locked >/dev/null 2>&1
node scripts/bundle-size.mjs dist
