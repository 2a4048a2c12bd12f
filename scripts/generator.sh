#!/usr/bin/env bash
# Is `sockai bench` ever what limits a measurement? Against examples/bench_peer.rs `floor` (one
# fixed frame per event, nothing parsed: the cheapest server there is), `sockai bench --threads 1`
# and examples/ws_load.rs (the minimal generator: tokio-tungstenite clients that send the event
# frame and read the answer, again and again, on one event loop) take turns driving the same
# server, RUNS times each. Prints a Markdown table of the medians (round trips/s) and the ratio
# sockai bench / ws_load. Issue 20's target: at least 0.95.
#
# The server is pinned to CPU $SERVER_CPU and the generator to CPU $BENCH_CPU (taskset).
# Environment: CLIENTS [100], DURATION [5] (seconds), RUNS [5], SERVER_CPU [0], BENCH_CPU [1],
# SKIP_BUILD [0] (1: use the existing release build).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

CLIENTS=${CLIENTS:-100}
DURATION=${DURATION:-5}
RUNS=${RUNS:-5}
SERVER_CPU=${SERVER_CPU:-0}
BENCH_CPU=${BENCH_CPU:-1}

for tool in jq taskset; do
  command -v "$tool" >/dev/null || { echo "generator.sh: $tool is required" >&2; exit 2; }
done
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  cargo build --release --locked --quiet --bin sockai --example bench_peer --example ws_load
fi
sockai=target/release/sockai
out=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$out"
}
trap cleanup EXIT

taskset -c "$SERVER_CPU" target/release/examples/bench_peer floor 0 >"$out/floor.out" 2>"$out/floor.err" &
server_pid=$!
url=$(wait_listening "$server_pid" "$out/floor.out" floor "$out/floor.err") || exit 1

for run in $(seq "$RUNS"); do
  echo "generator.sh: run $run/$RUNS" >&2
  taskset -c "$BENCH_CPU" "$sockai" bench "$url" --json --threads 1 --clients "$CLIENTS" \
    --connect-rate 0 --duration "${DURATION}s" | jq .round_trips_per_sec >>"$out/bench"
  taskset -c "$BENCH_CPU" target/release/examples/ws_load "$url" "$CLIENTS" "$DURATION" |
    jq .round_trips_per_sec >>"$out/ws_load"
done

median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR + 1) / 2)]}'; }
bench=$(median <"$out/bench")
ws_load=$(median <"$out/ws_load")
echo "| generator, against \`floor\`, $CLIENTS clients | round trips/s (median of $RUNS) | runs |"
echo "|---|---:|---|"
echo "| \`sockai bench --threads 1\` | $(printf '%.0f' "$bench") | $(xargs printf '%.0f ' <"$out/bench") |"
echo "| \`examples/ws_load.rs\` | $(printf '%.0f' "$ws_load") | $(xargs printf '%.0f ' <"$out/ws_load") |"
echo "| ratio | $(awk -v a="$bench" -v b="$ws_load" 'BEGIN {printf "%.2f", a / b}') | |"
