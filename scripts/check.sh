#!/usr/bin/env bash
# Every test, in the order that fails fastest: this is exactly what CI runs (.ci/run calls
# `make test`, which calls this). Prints a closing "N passed, N failed" line over all suites.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT

step "format"
cargo fmt --all --check

step "lints (native and wasm)"
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy -p scalelab --target wasm32-unknown-unknown --all-targets --locked -- -D warnings

step "native tests (engine, CLI, app logic)"
cargo test --workspace --locked 2>&1 | tee -a "$log"

step "the data tier against a real PostgreSQL 17 server (answers, writes, pruning, partition DDL)"
scripts/postgres-checks.sh 2>&1 | tee -a "$log"

step "browser tests (wasm-bindgen-test in headless Chromium)"
cargo test -p scalelab --target wasm32-unknown-unknown --locked 2>&1 | tee -a "$log"

step "release build of the site"
trunk build --release --offline --locked

step "end-to-end tests (playwright-core in Chromium; screenshots in e2e-artifacts/)"
node tests/e2e/run.mjs dist 2>&1 | tee -a "$log"

# Sum every suite's counts into one closing line.
passed=$(grep -Eo '([0-9]+) passed' "$log" | awk '{s += $1} END {print s + 0}')
failed=$(grep -Eo '([0-9]+) failed' "$log" | awk '{s += $1} END {print s + 0}')
echo
echo "all suites: $passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
