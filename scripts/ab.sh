#!/usr/bin/env bash
# A/B two (or more) `sockai` binaries as servers, side by side in one run: each started pinned to
# CPU $SERVER_CPU, then `sockai bench` (CPU $BENCH_CPU) drives them in turn, ROUNDS times, so
# noise on the machine hits all alike. Prints one JSON line per run: binary, round, round trips/s,
# p99 ms. Used for the before/after tables in docs/performance.md.
#
#   scripts/ab.sh CLIENTS DURATION ROUNDS BIN...
#   e.g. scripts/ab.sh 100 5s 5 /tmp/sockai-before target/release/sockai
#
# Environment: SERVER_CPU [0], BENCH_CPU [1], BENCH [target/release/sockai] (the load generator;
# several, space-separated, take turns against each server: an A/B of the generators),
# SERVE_ARGS [] (extra flags for every server; they always get --no-stream --rate-limit 0),
# SOCKAI_LOG [warn] (the servers' RUST_LOG; `default` keeps sockai's default logging, written to
# a file as a user's terminal or log collector would take it).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
[ $# -ge 4 ] || { sed -n '2,14p' "$0" >&2; exit 2; }
clients=$1 duration=$2 rounds=$3
shift 3
SERVER_CPU=${SERVER_CPU:-0}
BENCH_CPU=${BENCH_CPU:-1}
BENCH=${BENCH:-target/release/sockai}
SERVE_ARGS=${SERVE_ARGS:-}
SOCKAI_LOG=${SOCKAI_LOG:-warn}
out=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$out"' EXIT

urls=()
for i in $(seq 0 $(($# - 1))); do
  bin=${*:$((i + 1)):1}
  log=(env -u RUST_LOG)
  [ "$SOCKAI_LOG" != default ] && log=(env "RUST_LOG=$SOCKAI_LOG")
  # shellcheck disable=SC2086
  "${log[@]}" taskset -c "$SERVER_CPU" "$bin" serve --port 0 --rate-limit 0 --no-stream \
    --max-connections 20000 $SERVE_ARGS >"$out/$i.out" 2>"$out/$i.err" &
  pids+=($!)
  url=$(wait_listening "${pids[-1]}" "$out/$i.out" "$bin" "$out/$i.err") || exit 1
  urls+=("$url")
done

read -r -a benches <<<"$BENCH"
for round in $(seq "$rounds"); do
  for i in "${!urls[@]}"; do
    for bench in "${benches[@]}"; do
      taskset -c "$BENCH_CPU" "$bench" bench --json --threads 1 "${urls[$i]}" --clients "$clients" \
        --connect-rate 0 --duration "$duration" --max-errors 1000000 |
        jq -c --arg bin "${*:$((i + 1)):1}" --arg bench "$bench" --argjson round "$round" \
          '{bin: $bin, bench: $bench, round: $round, rt: (.round_trips_per_sec | floor), p99: .latency_ms.p99}'
    done
  done
done
