#!/usr/bin/env bash
# `sockai bench --scenario` against plain `sockai bench`, A/B in one run: a one-emit-one-expect
# scenario (the same event and reply plain bench uses) and plain bench's round trips, against
# the same local release `sockai serve --no-stream --rate-limit 0`, alternated RUNS times so
# noise on the machine hits both alike. Prints each run, both medians (round trips/s: plain
# bench's, and the scenario's passes/s, one round trip each) and the ratio (target: >= 0.8),
# and the generator's CPU time per round trip (user + system, from /usr/bin/time): on a busy
# machine the rates swing from run to run, the CPU cost much less.
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
for tool in jq taskset /usr/bin/time; do
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

# bench NAME ARGS…: one run, its summary in $out/NAME.json, its CPU seconds in $out/NAME.cpu.
bench() {
  local name=$1; shift
  /usr/bin/time -f "%U %S" -o "$out/$name.cpu" taskset -c "$BENCH_CPU" "$bin" bench "$url" \
    --json --threads 1 -c "$CLIENTS" -d "$DURATION" "$@" >"$out/$name.json"
}
cpu_us() { awk -v n="$2" '{printf "%.2f", ($1 + $2) * 1e6 / n}' "$out/$1.cpu"; }
for run in $(seq "$RUNS"); do
  bench "plain-$run"
  bench "scenario-$run" --scenario "$out/one.sockai"
  plain=$(jq .round_trips_per_sec "$out/plain-$run.json")
  scen=$(jq .passes_per_sec "$out/scenario-$run.json")
  failed=$(jq '.failed' "$out/scenario-$run.json")
  plain_cpu=$(cpu_us "plain-$run" "$(jq .round_trips "$out/plain-$run.json")")
  scen_cpu=$(cpu_us "scenario-$run" "$(jq .passes "$out/scenario-$run.json")")
  echo "run $run/$RUNS: plain $plain round trips/s ($plain_cpu µs CPU each), scenario $scen" \
    "passes/s ($scen_cpu µs CPU each, failed $failed)" >&2
  echo "$plain $scen $plain_cpu $scen_cpu" >>"$out/rates"
done
python3 - "$out/rates" "$CLIENTS" "$DURATION" <<'PY'
import statistics, sys
rows = [tuple(map(float, line.split())) for line in open(sys.argv[1])]
plain, scen, plain_cpu, scen_cpu = (statistics.median(r[i] for r in rows) for i in range(4))
print(f"{len(rows)} runs of {sys.argv[3]}, {sys.argv[2]} clients: plain bench median {plain:.0f} "
      f"round trips/s, --scenario median {scen:.0f} passes/s (one round trip each), "
      f"ratio {scen / plain:.2f} (target >= 0.80); generator CPU per round trip: plain "
      f"{plain_cpu:.1f} µs, --scenario {scen_cpu:.1f} µs")
PY
