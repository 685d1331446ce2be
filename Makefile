# The README's two commands are `make serve` and `make test`; both install what is missing.
.PHONY: serve test bench bench-compare build
serve:
	scripts/serve.sh

test:
	scripts/check.sh

build:
	scripts/setup.sh && . scripts/env.sh && trunk build --release --offline --locked

bench:
	scripts/bench.sh

bench-compare:
	scripts/bench-compare.sh
