# Sourced by the scripts: puts the project's npm tools (wasm-opt) on PATH and points the
# browser tests at Debian's Chromium.
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER=/usr/bin/chromedriver
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
