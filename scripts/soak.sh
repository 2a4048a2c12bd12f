#!/usr/bin/env bash
# Soak run (not a CI test): SOCKETS clients hold Socket.IO connections to `sockai serve` for
# DURATION while each keeps round-tripping `ai-message`; the server's RSS and live heap
# (`heap_bytes` of GET /health) are sampled every SAMPLE seconds. Passes when no connection
# failed or dropped, no round trip failed, and once the clients have left the live heap is back
# to its idle value plus 256 bytes per socket: the maps and slabs sized for the peak keep their
# capacity (~110 bytes per socket measured), while a socket still alive holds ~20 KiB, so even
# 1 % of them left behind fails the run. Prints the samples so flatness can be judged (the
# first ones include the ramp). RSS itself stays high after the clients leave: the C allocator keeps
# freed pages for reuse.
#
# Environment: SOCKETS [10000], DURATION [60s], SAMPLE [5], SERVER_CPU [0], BENCH_CPU [1],
# SKIP_BUILD [0] (1: use the existing target/release/sockai).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

SOCKETS=${SOCKETS:-10000}
DURATION=${DURATION:-60s}
SAMPLE=${SAMPLE:-5}
SERVER_CPU=${SERVER_CPU:-0}
BENCH_CPU=${BENCH_CPU:-1}
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release --quiet
bin=$PWD/target/release/sockai
out=$(mktemp -d)
trap 'kill $server_pid 2>/dev/null || true; wait 2>/dev/null || true' EXIT

taskset -c "$SERVER_CPU" env RUST_LOG=warn "$bin" serve --port 0 --rate-limit 0 \
  --max-connections $((SOCKETS + 100)) > "$out/serve.out" 2> "$out/serve.err" &
server_pid=$!
url=$(wait_listening "$server_pid" "$out/serve.out" "the server" "$out/serve.err") || exit 1

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status"; }
health() { curl -fsS --max-time 5 "$url/health" | jq -r ".$1"; }
idle_heap=$(health heap_bytes)
echo "idle: RSS $(rss_kib) KiB, heap $((idle_heap / 1024)) KiB"

# Sample RSS while the load runs; bounded by the run's length plus the ramp.
seconds=${DURATION%s}
samples=$(( (seconds + 60) / SAMPLE ))
(
  for i in $(seq "$samples"); do
    sleep "$SAMPLE"
    kill -0 "$server_pid" 2>/dev/null || break
    echo "$((i * SAMPLE))s RSS $(rss_kib) KiB, heap $(($(health heap_bytes) / 1024)) KiB, $(health connections) connections"
  done
) > "$out/rss.txt" &
sampler=$!

taskset -c "$BENCH_CPU" "$bin" bench "$url" --clients "$SOCKETS" --connect-rate 2000 \
  --duration "$DURATION" --timeout 30s --json > "$out/bench.json" || true
kill "$sampler" 2>/dev/null || true
# The server notices the departures within moments and frees the closed sockets a second or
# two later: wait (bounded) for no connection and two equal heap readings in a row.
after_heap=-1
for _ in $(seq 60); do
  heap=$(health heap_bytes)
  [ "$(health connections)" = 0 ] && [ "$heap" = "$after_heap" ] && break
  after_heap=$heap
  sleep 1
done
echo "after the clients left: RSS $(rss_kib) KiB, heap $((after_heap / 1024)) KiB, $(health connections) connections"
echo "samples (seconds since start):"
sed 's/^/  /' "$out/rss.txt"
jq '{connections, round_trips, round_trips_per_sec, latency_ms, errors, error_kinds}' "$out/bench.json"
heap_back=$(( after_heap <= idle_heap + 256 * SOCKETS ))
if jq -e '.connections.failed == 0 and .connections.dropped == 0 and .errors == 0' \
  "$out/bench.json" > /dev/null && [ "$heap_back" = 1 ]; then
  echo "soak: PASS"
else
  echo "soak: FAIL (heap back to idle: $heap_back)"
  exit 1
fi
