#!/usr/bin/env bash
# Wall time of one `sockai emit URL ai-message '{"prompt":"ping"}' --expect ai-message-response`
# against the official Node socket.io 4.8 server (tests/node/sio-server.mjs), alternated run by
# run with the official Node socket.io-client doing the same job (tests/node/emit-once.mjs), so
# noise on the machine hits both alike. Prints the medians, their ratio and sockai's peak RSS.
#
#   scripts/emit-speed.sh [RUNS] [SOCKAI]      defaults: 50, target/release/sockai
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
runs=${1:-50}
bin=${2:-target/release/sockai}
[ -x "$bin" ] || { echo "emit-speed.sh: build $bin first (cargo build --release)" >&2; exit 2; }
out=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$out"' EXIT
# The server leaves when its stdin closes: keep a pipe open for it.
sleep 100000 | node tests/node/sio-server.mjs >"$out/server" &
node_pid=$!
server=$(jobs -p | tail -1)
url=$(wait_listening "$node_pid" "$out/server" "the Node server") || exit 1

now() { date +%s%N; }
for i in $(seq "$runs"); do
  t0=$(now)
  "$bin" emit "$url" ai-message '{"prompt":"ping"}' --expect ai-message-response >/dev/null
  t1=$(now)
  (cd tests/node && node emit-once.mjs "$url" >/dev/null)
  t2=$(now)
  echo "$(( (t1 - t0) / 1000 )) $(( (t2 - t1) / 1000 ))" >>"$out/times"
done
rss=$(/usr/bin/time -f %M "$bin" emit "$url" ai-message '{"prompt":"ping"}' \
  --expect ai-message-response 2>&1 >/dev/null | tail -1)
python3 - "$out/times" "$rss" "$runs" <<'PY'
import statistics, sys
rows = [tuple(map(int, line.split())) for line in open(sys.argv[1])]
s = statistics.median(r[0] for r in rows) / 1000
n = statistics.median(r[1] for r in rows) / 1000
print(f"runs {sys.argv[3]}: sockai emit median {s:.1f} ms, node socket.io-client median {n:.1f} ms, "
      f"ratio {n / s:.1f}x; sockai peak RSS {int(sys.argv[2]) / 1024:.1f} MiB")
PY
