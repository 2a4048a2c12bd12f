#!/usr/bin/env bash
# sockai serve against the official Node socket.io server, driven by `sockai bench`, in one run on
# this machine. Prints a Markdown table: round trips/s and p99 at 1, 100 and 1000 clients, sockets
# held and RSS per socket, with the ratio sockai/Node. The round-trip scenarios also run two peers
# of examples/bench_peer.rs: socketioxide (the best Rust Socket.IO server we know) and `floor`, a
# WebSocket that answers every event with a fixed frame without parsing it: what this machine's
# loopback and one tokio event loop allow, the ceiling every server is under in the same run.
#
# Each round-trip row also has the server's CPU time per round trip (user + system, from
# /proc/PID/stat over the whole run): it swings less than round trips/s, and still counts when
# the load generator, not the server, is what limits a run.
#
# Servers are pinned to CPU $SERVER_CPU and the load generator to CPU $BENCH_CPU (taskset), so
# they never share a core. Both servers run at once (an idle one costs nothing) and the runs of a
# scenario alternate between them, so that noise from other work on the machine hits both alike.
#
# Environment (defaults in brackets):
#   DURATION [10s]        measuring window of each round-trip run
#   CLIENTS ["1 100 1000"] client counts of the round-trip scenarios
#   RUNS [1]              runs per scenario and server; the table shows the median
#   HOLD [10000]          sockets held in the memory scenario (0 skips it)
#   HOLD_DURATION [10s]   how long they are held
#   UPGRADED_CLIENTS [100] clients of the "upgraded sessions" scenarios: `sockai bench
#                         --transport upgrade` against `--transport websocket`, then the official
#                         Node socket.io-client opening with polling and upgrading, as browsers do
#                         (tests/node/upgrade-load.mjs), against the same client on direct
#                         WebSockets (client-bound: compare those rows with each other); 0 skips.
#   UPGRADED_HOLD [2000]  upgraded sessions held for the RSS-per-socket row (0 skips it)
#   PEERS ["socketioxide floor"] extra servers of the round-trip scenarios ("" skips them)
#   SERVER_CPU [0], BENCH_CPU [1]
#   SERVE_ARGS []         extra flags for `sockai serve` (e.g. to try a tuning)
#   SOCKAI_LOG [default]  sockai's RUST_LOG: `default` keeps its default logging (two info lines
#                         per answer, as users run it; written to a file here), or a filter such
#                         as `warn` to take logging off the hot path
#   SKIP_BUILD [0]        1: use the existing target/release/sockai
# Quick run: DURATION=2s HOLD=2000 HOLD_DURATION=3s scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

DURATION=${DURATION:-10s}
CLIENTS=${CLIENTS:-"1 100 1000"}
RUNS=${RUNS:-1}
HOLD=${HOLD:-10000}
HOLD_DURATION=${HOLD_DURATION:-10s}
SERVER_CPU=${SERVER_CPU:-0}
BENCH_CPU=${BENCH_CPU:-1}
SERVE_ARGS=${SERVE_ARGS:-}
SOCKAI_LOG=${SOCKAI_LOG:-default}
UPGRADED_CLIENTS=${UPGRADED_CLIENTS:-100}
UPGRADED_HOLD=${UPGRADED_HOLD:-2000}
PEERS=${PEERS-socketioxide floor}

for tool in node jq taskset ss; do
  command -v "$tool" >/dev/null || { echo "bench.sh: $tool is required" >&2; exit 2; }
done
# Each side of 10,000 sockets needs 10,000 descriptors; take what the hard limit allows.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((HOLD + 100)) ]; then
  echo "bench.sh: open-file limit $(ulimit -n) is below HOLD=$HOLD; lowering HOLD" >&2
  HOLD=$(($(ulimit -n) - 100))
fi

[ -d tests/node/node_modules/socket.io ] || npm ci --prefix tests/node --no-audit --no-fund
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  cargo build --release --quiet
  [ -n "$PEERS" ] && cargo build --release --quiet --example bench_peer
fi
bin=$PWD/target/release/sockai
out=$PWD/target/bench/$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

# start_server NAME CMD… : start pinned, wait (bounded) for `listening on URL`; sets URL_<NAME>, PID_<NAME>.
start_server() {
  local name=$1; shift
  local log=$out/$name.out
  : >"$log"
  taskset -c "$SERVER_CPU" "$@" >"$log" 2>"$out/$name.err" &
  local pid=$!
  pids+=("$pid")
  local url
  url=$(wait_listening "$pid" "$log" "$name" "$out/$name.err") || exit 1
  printf -v "URL_$name" '%s' "$url"
  printf -v "PID_$name" '%s' "$pid"
}

stop_server() {
  local pid_var="PID_$1"
  kill "${!pid_var}" 2>/dev/null || true
  wait "${!pid_var}" 2>/dev/null || true
}

start_one() {
  if [ "$1" = sockai ]; then
    # Logging as users run it unless SOCKAI_LOG says otherwise (Node's server logs nothing).
    # No per-socket rate limit: the load generator exceeds it by design. --no-stream: the Node
    # server answers with one event, so sockai must not send an ai-message-chunk first.
    local log=()
    [ "$SOCKAI_LOG" != default ] && log=(env "RUST_LOG=$SOCKAI_LOG")
    # shellcheck disable=SC2086
    start_server sockai "${log[@]}" "$bin" serve --port 0 --rate-limit 0 --no-stream \
      --max-connections 20000 $SERVE_ARGS
  elif [ "$1" = node ]; then
    start_server node node tests/node/bench-server.mjs 0
  else
    start_server "$1" "$PWD/target/release/examples/bench_peer" "$1" 0
  fi
}

bench() {
  taskset -c "$BENCH_CPU" "$bin" bench --json --threads 1 "$@"
}

median() { sort -g | awk '{v[NR]=$1} END {if (NR == 0) print "null"; else print v[int((NR + 1) / 2)]}'; }
# A process's CPU time so far (user + system, all threads), in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
hz=$(getconf CLK_TCK)

declare -A result
servers="sockai node $PEERS"
for name in $servers; do start_one "$name"; done
for clients in $CLIENTS; do
  for run in $(seq "$RUNS"); do
    for name in $servers; do
      url_var="URL_$name" pid_var="PID_$name"
      file=$out/$name-c$clients-r$run.json
      echo "bench.sh: $name, $clients clients, run $run/$RUNS" >&2
      before=$(cpu_ticks "${!pid_var}")
      bench "${!url_var}" --clients "$clients" --connect-rate 0 --duration "$DURATION" \
        --max-errors 1000000 >"$file" || true
      # The server's CPU time per round trip over the whole run (connects included): what it
      # spends, whether or not it or the generator is what limits the run.
      jq --argjson ticks "$(($(cpu_ticks "${!pid_var}") - before))" --argjson hz "$hz" \
        'if .round_trips > 0 then $ticks * 1e6 / $hz / .round_trips else null end' \
        "$file" >"${file%.json}.cpu" 2>/dev/null || echo null >"${file%.json}.cpu"
    done
  done
  for name in $servers; do
    result[$name,cpu,$clients]=$(grep -hv null "$out/$name-c$clients"-r*.cpu | median)
    result[$name,rt,$clients]=$(jq -s '.[].round_trips_per_sec' "$out/$name-c$clients"-r*.json | median)
    result[$name,p99,$clients]=$(jq -s '.[].latency_ms.p99' "$out/$name-c$clients"-r*.json | median)
    result[$name,err,$clients]=$(jq -s 'map(.errors + .connections.failed + .connections.dropped) | add' "$out/$name-c$clients"-r*.json)
  done
done
# The "upgraded sessions" scenario: the same Node client over upgraded and direct sessions.
upgrade_load() {
  taskset -c "$BENCH_CPU" node tests/node/upgrade-load.mjs "$1"
}
if [ "$UPGRADED_CLIENTS" -gt 0 ]; then
  # sockai bench itself over sessions that start on polling and upgrade, and over direct
  # WebSockets, alternated: the upgraded/direct ratio of each server without the Node client's
  # own ceiling.
  for run in $(seq "$RUNS"); do
    for name in sockai node; do
      url_var="URL_$name"
      for transport in upgrade websocket; do
        echo "bench.sh: $name, $UPGRADED_CLIENTS clients, sockai bench --transport $transport, run $run/$RUNS" >&2
        bench "${!url_var}" --clients "$UPGRADED_CLIENTS" --connect-rate 0 --duration "$DURATION" \
          --transport "$transport" --max-errors 1000000 >"$out/$name-b$transport-r$run.json" || true
      done
    done
  done
  for name in sockai node; do
    for transport in upgrade websocket; do
      result[$name,b$transport]=$(jq -s '.[].round_trips_per_sec' "$out/$name-b$transport"-r*.json | median)
    done
  done
  ms=$(( ${DURATION%s} * 1000 ))
  for run in $(seq "$RUNS"); do
    for name in sockai node; do
      url_var="URL_$name"
      for kind in upgraded direct; do
        transports='["polling","websocket"]'
        [ "$kind" = direct ] && transports='["websocket"]'
        echo "bench.sh: $name, $UPGRADED_CLIENTS $kind clients (Node client), run $run/$RUNS" >&2
        upgrade_load "{\"url\":\"${!url_var}\",\"clients\":$UPGRADED_CLIENTS,\"duration_ms\":$ms,\"transports\":$transports}" \
          >"$out/$name-$kind-r$run.json" || true
      done
    done
  done
  for name in sockai node; do
    for kind in upgraded direct; do
      result[$name,$kind]=$(jq -s '.[].round_trips_per_sec' "$out/$name-$kind"-r*.json | median)
    done
  done
fi
for name in $servers; do stop_server "$name"; done

vmrss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# hold NAME: fresh server, RSS before, HOLD sockets, RSS while held.
hold() {
  local name=$1
  start_one "$name"
  local pid_var="PID_$name" url_var="URL_$name"
  local pid=${!pid_var} url=${!url_var}
  local port=${url##*:}
  local before
  before=$(vmrss_kib "$pid")
  echo "bench.sh: $name, holding $HOLD sockets" >&2
  bench "$url" --hold --clients "$HOLD" --connect-rate 0 --duration "$HOLD_DURATION" \
    --max-errors 1000000 >"$out/$name-hold.json" &
  local bench_pid=$!
  # Wait (bounded: the bench run itself is) until every socket is up, then let it settle.
  while kill -0 "$bench_pid" 2>/dev/null; do
    local up
    up=$(ss -Htn state established "( sport = :$port )" | wc -l)
    [ "$up" -ge "$HOLD" ] && break
    sleep 0.2
  done
  sleep 1
  local during
  during=$(vmrss_kib "$pid")
  wait "$bench_pid" || true
  stop_server "$name"
  local held
  held=$(jq '.connections.held' "$out/$name-hold.json")
  result[$name,held]=$held
  result[$name,connect_rate]=$(jq '.connect_rate | floor' "$out/$name-hold.json")
  result[$name,rss_before]=$before
  result[$name,rss_during]=$during
  result[$name,rss_per_socket]=$(awk -v b="$before" -v d="$during" -v n="$held" \
    'BEGIN { if (n > 0) printf "%.1f", (d - b) / n; else print "null" }')
}

if [ "$HOLD" -gt 0 ]; then
  hold sockai
  hold node
fi

# hold_upgraded NAME: fresh server, RSS before, UPGRADED_HOLD upgraded sessions, RSS while held.
hold_upgraded() {
  local name=$1
  start_one "$name"
  local pid_var="PID_$name" url_var="URL_$name"
  local pid=${!pid_var} url=${!url_var}
  local before file=$out/$name-upgraded-hold.json
  before=$(vmrss_kib "$pid")
  echo "bench.sh: $name, holding $UPGRADED_HOLD upgraded sessions" >&2
  : >"$file"
  upgrade_load "{\"url\":\"$url\",\"clients\":$UPGRADED_HOLD,\"duration_ms\":5000,\"hold\":true}" >"$file" &
  local load_pid=$!
  # Wait (bounded: the holder exits on its own) for every session to be up and upgraded.
  while kill -0 "$load_pid" 2>/dev/null && ! grep -q ready "$file"; do sleep 0.2; done
  sleep 1
  local during
  during=$(vmrss_kib "$pid")
  wait "$load_pid" || true
  stop_server "$name"
  local held
  held=$(head -1 "$file" | jq '.ready // 0')
  result[$name,uheld]=$held
  result[$name,urss_per_socket]=$(awk -v b="$before" -v d="$during" -v n="$held" \
    'BEGIN { if (n > 0) printf "%.1f", (d - b) / n; else print "null" }')
}

if [ "$UPGRADED_HOLD" -gt 0 ]; then
  hold_upgraded sockai
  hold_upgraded node
fi

ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "null" || b == "null" || b == 0) print "–"; else printf "%.2f×", a / b }'
}
fmt() { awk -v v="$1" 'BEGIN { if (v == "null" || v == "") print "–"; else if (v >= 100) printf "%.0f", v; else printf "%.2f", v }'; }

{
  echo "sockai bench: $(date -u +%Y-%m-%d), $(nproc) CPUs ($(uname -m)), servers on CPU $SERVER_CPU, load generator on CPU $BENCH_CPU"
  echo "DURATION=$DURATION RUNS=$RUNS (median) HOLD=$HOLD HOLD_DURATION=$HOLD_DURATION SERVE_ARGS='$SERVE_ARGS' SOCKAI_LOG=$SOCKAI_LOG"
  echo
  echo "| scenario | sockai serve | Node socket.io | sockai / Node |$(for p in $PEERS; do printf ' %s | sockai / %s |' "$p" "$p"; done)"
  echo "|---|---:|---:|---:|$(for _ in $PEERS; do printf -- '---:|---:|'; done)"
  peer_cells() { # METRIC CLIENTS
    for p in $PEERS; do
      printf ' %s | %s |' "$(fmt "${result[$p,$1,$2]}")" "$(ratio "${result[sockai,$1,$2]}" "${result[$p,$1,$2]}")"
    done
  }
  for clients in $CLIENTS; do
    s=${result[sockai,rt,$clients]} n=${result[node,rt,$clients]}
    echo "| round trips/s, $clients clients | $(fmt "$s") | $(fmt "$n") | $(ratio "$s" "$n") |$(peer_cells rt "$clients")"
    s=${result[sockai,p99,$clients]} n=${result[node,p99,$clients]}
    echo "| p99 ms, $clients clients | $(fmt "$s") | $(fmt "$n") | $(ratio "$s" "$n") |$(peer_cells p99 "$clients")"
    s=${result[sockai,cpu,$clients]} n=${result[node,cpu,$clients]}
    echo "| server CPU µs / round trip, $clients clients | $(fmt "$s") | $(fmt "$n") | $(ratio "$s" "$n") |$(peer_cells cpu "$clients")"
  done
  if [ "$HOLD" -gt 0 ]; then
    echo "| sockets held (of $HOLD) | ${result[sockai,held]} | ${result[node,held]} | |"
    s=${result[sockai,rss_per_socket]} n=${result[node,rss_per_socket]}
    echo "| RSS per socket, KiB | $s | $n | $(ratio "$s" "$n") |"
    echo "| RSS idle → holding, MiB | $((result[sockai,rss_before] / 1024)) → $((result[sockai,rss_during] / 1024)) | $((result[node,rss_before] / 1024)) → $((result[node,rss_during] / 1024)) | |"
    s=${result[sockai,connect_rate]} n=${result[node,connect_rate]}
    echo "| connects/s (256 in flight) | $s | $n | $(ratio "$s" "$n") |"
  fi
  if [ "$UPGRADED_CLIENTS" -gt 0 ]; then
    for transport in upgrade websocket; do
      s=${result[sockai,b$transport]} n=${result[node,b$transport]}
      echo "| round trips/s, $UPGRADED_CLIENTS clients, \`--transport $transport\` | $(fmt "$s") | $(fmt "$n") | $(ratio "$s" "$n") |"
    done
    for kind in upgraded direct; do
      s=${result[sockai,$kind]} n=${result[node,$kind]}
      echo "| round trips/s, $UPGRADED_CLIENTS $kind sessions (Node client) | $(fmt "$s") | $(fmt "$n") | $(ratio "$s" "$n") |"
    done
  fi
  if [ "$UPGRADED_HOLD" -gt 0 ]; then
    echo "| upgraded sessions held (of $UPGRADED_HOLD) | ${result[sockai,uheld]} | ${result[node,uheld]} | |"
    s=${result[sockai,urss_per_socket]} n=${result[node,urss_per_socket]}
    echo "| RSS per upgraded session, KiB | $s | $n | $(ratio "$s" "$n") |"
  fi
  errors=""
  for clients in $CLIENTS; do
    errors+=" ${clients}c:"
    for name in $servers; do errors+=" $name ${result[$name,err,$clients]}"; done
    errors+=";"
  done
  echo
  echo "errors (failed + dropped connections + failed round trips):$errors"
  echo "raw JSON: $out"
} | tee "$out/table.md"
