# The README's two commands are `make serve` and `make test`; both install what is missing.
.PHONY: serve dev test bench bench-compare build
serve:
	scripts/serve.sh

# Trunk's own server, rebuilding on change (for working on the app).
dev:
	scripts/setup.sh && . scripts/env.sh && trunk serve --release --offline --locked

test:
	scripts/check.sh

build:
	scripts/setup.sh && . scripts/env.sh && trunk build --release --offline --locked

bench:
	scripts/bench.sh

bench-compare:
	scripts/bench-compare.sh
