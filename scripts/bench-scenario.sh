#!/usr/bin/env bash
# `sockai bench --scenario` against plain `sockai bench`, A/B in one run: a one-emit-one-expect
# scenario (the same event and reply plain bench uses) and plain bench's round trips, against
# the same local release `sockai serve --no-stream --rate-limit 0`, alternated RUNS times so
# noise on the machine hits both alike. Prints each run, both medians (round trips/s: plain
# bench's, and the scenario's passes/s, one round trip each) and the ratio. Target: >= 0.8.
#
#   scripts/bench-scenario.sh
#
# Environment: CLIENTS [10], DURATION [5s], RUNS [5], SERVER_CPU [0], BENCH_CPU [1] (taskset
# pins the server and the generator to different cores), SKIP_BUILD [0] (1: use the existing
# target/release/sockai).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
CLIENTS=${CLIENTS:-10}
DURATION=${DURATION:-5s}
RUNS=${RUNS:-5}
SERVER_CPU=${SERVER_CPU:-0}
BENCH_CPU=${BENCH_CPU:-1}
for tool in jq taskset; do
  command -v "$tool" >/dev/null || { echo "bench-scenario.sh: $tool is required" >&2; exit 2; }
done
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release --quiet
bin=$PWD/target/release/sockai
out=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$out"' EXIT

RUST_LOG=warn taskset -c "$SERVER_CPU" "$bin" serve --port 0 --no-stream --rate-limit 0 \
  --max-connections 20000 >"$out/serve.out" 2>"$out/serve.err" &
server=$!
url=$(wait_listening "$server" "$out/serve.out" "sockai serve" "$out/serve.err") || exit 1

# The event and reply of plain bench, with its default 32-byte prompt.
cat >"$out/one.sockai" <<'EOF'
emit ai-message {"prompt": "sockai bench load sockai ben"}
expect ai-message-response
EOF

bench() { taskset -c "$BENCH_CPU" "$bin" bench "$url" --json --threads 1 -c "$CLIENTS" -d "$DURATION" "$@"; }
for run in $(seq "$RUNS"); do
  bench >"$out/plain-$run.json"
  bench --scenario "$out/one.sockai" >"$out/scenario-$run.json"
  plain=$(jq .round_trips_per_sec "$out/plain-$run.json")
  scen=$(jq .passes_per_sec "$out/scenario-$run.json")
  failed=$(jq '.failed' "$out/scenario-$run.json")
  echo "run $run/$RUNS: plain $plain round trips/s, scenario $scen passes/s (failed $failed)" >&2
  echo "$plain $scen" >>"$out/rates"
done
python3 - "$out/rates" "$CLIENTS" "$DURATION" <<'PY'
import statistics, sys
rows = [tuple(map(float, line.split())) for line in open(sys.argv[1])]
plain = statistics.median(r[0] for r in rows)
scen = statistics.median(r[1] for r in rows)
print(f"{len(rows)} runs of {sys.argv[3]}, {sys.argv[2]} clients: plain bench median {plain:.0f} "
      f"round trips/s, --scenario median {scen:.0f} passes/s (one round trip each), "
      f"ratio {scen / plain:.2f} (target >= 0.80)")
PY
