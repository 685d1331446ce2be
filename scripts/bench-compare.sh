#!/usr/bin/env bash
# The same M/M/c model in SimPy (installed from PyPI into .venv-bench/) and in Scalelab (the
# `mmc` preset, natively), in one run: event rates, customers per second of wall time, ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
SIMULATED_S=${1:-20000}
if [ ! -x .venv-bench/bin/python ]; then
  python3 -m venv .venv-bench
fi
.venv-bench/bin/python -c 'import simpy' 2>/dev/null || .venv-bench/bin/pip install --quiet 'simpy==4.1.1'
cargo build -q --release --locked -p scalelab-cli
simpy_json=$(.venv-bench/bin/python scripts/simpy_mmc.py "$SIMULATED_S")
start=$(date +%s.%N)
scalelab_json=$(target/release/scalelab run mmc --duration "$SIMULATED_S" --json)
end=$(date +%s.%N)
node -e '
  const [simpy, scalelab, wall] = [JSON.parse(process.argv[1]), JSON.parse(process.argv[2]), Number(process.argv[3])];
  const rows = [
    ["SimPy 4.1.1 (CPython)", simpy.events, simpy.served, simpy.wall_s],
    ["Scalelab (native)", scalelab.events_processed, scalelab.requests.completed, wall],
  ];
  console.log(`M/M/4 at 75% load, ${simpy.simulated_s} simulated seconds`);
  for (const [name, events, served, s] of rows) {
    console.log(`${name.padEnd(24)} ${(events / s / 1e6).toFixed(2).padStart(7)} M events/s ${(served / s / 1e3).toFixed(1).padStart(9)} k customers/s  (${s.toFixed(3)} s wall)`);
  }
  const ratio = (rows[1][2] / rows[1][3]) / (rows[0][2] / rows[0][3]);
  console.log(`Scalelab / SimPy, customers per second of wall time: ${ratio.toFixed(0)}×`);
' "$simpy_json" "$scalelab_json" "$(echo "$end - $start" | bc -l)"
