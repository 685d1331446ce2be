#!/usr/bin/env bash
# Builds the app and serves it at http://127.0.0.1:8080, rebuilding on change.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
echo "Scalelab will be at http://127.0.0.1:8080 (Ctrl-C stops it)"
exec trunk serve --release --offline --locked
