#!/usr/bin/env bash
# Builds the app (with its .br and .gz files) and serves it at http://127.0.0.1:8080 as a static
# host would (scripts/static-server.mjs). `make dev` serves it with Trunk instead, rebuilding on
# change.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
trunk build --release --offline --locked
exec node scripts/static-server.mjs dist "${PORT:-8080}"
