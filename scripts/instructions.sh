#!/usr/bin/env bash
# Instructions per round trip, counted by valgrind's callgrind: the figure to quote for changes on
# the hot path, because it does not swing with what else the machine does (wall clock does, by
# ±15 %). Each server runs under callgrind while examples/ws_load.rs (native, the same load for
# every server) drives CLIENTS clients for SHORT and then for LONG seconds, each on a fresh
# server; the slope between the two runs, (instructions_long − instructions_short) /
# (round_trips_long − round_trips_short), cancels start-up, the handshakes and shutdown.
# Prints a Markdown table: instructions per round trip and the ratio to the JSON echo peer.
#
# Servers (SERVERS, space-separated, in this order by default):
#   default      sockai serve, default logging (the seed's two info lines per answer, to a file)
#   warn         sockai serve, RUST_LOG=warn
#   json         sockai serve, --log-format json (default level)
#   socketioxide examples/bench_peer.rs socketioxide: a minimal socketioxide echo server
#   floor        examples/bench_peer.rs floor: one fixed frame per event, nothing parsed
#   json-echo    examples/bench_peer.rs json: parse the event with serde_json, serialize an answer
# Every sockai serve gets --no-stream --rate-limit 0 (one answer per event, no limiter).
#
# Environment: CLIENTS [10], SHORT [3], LONG [9] (seconds), SERVERS [all of the above],
# SKIP_BUILD [0] (1: use the existing release build), KEEP [unset] (a directory to keep the
# callgrind outputs in, for callgrind_annotate), LOCKS [0] (1: also count the locked
# instructions per round trip, atomic read-modify-writes that cost tens of cycles each but one
# instruction here: scripts/locked.py, needs python3 and objdump).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

CLIENTS=${CLIENTS:-10}
SHORT=${SHORT:-3}
LONG=${LONG:-9}
SERVERS=${SERVERS:-default warn json socketioxide floor json-echo}

LOCKS=${LOCKS:-0}
tools="valgrind jq"
[ "$LOCKS" = 1 ] && tools="$tools python3 objdump"
for tool in $tools; do
  command -v "$tool" >/dev/null || { echo "instructions.sh: $tool is required" >&2; exit 2; }
done
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  cargo build --release --locked --quiet --bin sockai --example bench_peer --example ws_load
fi
sockai=target/release/sockai
peer=target/release/examples/bench_peer
load=target/release/examples/ws_load

out=${KEEP:-$(mktemp -d)}
mkdir -p "$out"
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [ -n "${KEEP:-}" ] || rm -rf "$out"
}
trap cleanup EXIT

# The environment and command line of one server, by name, in $server_env and $server_cmd.
# (The environment goes before valgrind: callgrind does not follow an `env` that execs.)
server_command() {
  local serve=("$sockai" serve --port 0 --no-stream --rate-limit 0)
  server_env=(-u RUST_LOG)
  case $1 in
    default) server_cmd=("${serve[@]}") ;;
    warn) server_env=(RUST_LOG=warn) server_cmd=("${serve[@]}") ;;
    json) server_cmd=("${serve[@]}" --log-format json) ;;
    socketioxide | floor) server_cmd=("$peer" "$1") ;;
    json-echo) server_cmd=("$peer" json) ;;
    *) echo "instructions.sh: unknown server $1" >&2; exit 2 ;;
  esac
}

# Start one server under callgrind, load it for $2 seconds, stop it; sets $instructions and
# $round_trips (not a subshell: the EXIT trap must see $server_pid).
measure() {
  local name=$1 seconds=$2 tag=$1.$2 url
  server_command "$name"
  local dump=()
  [ "$LOCKS" = 1 ] && dump=(--dump-instr=yes)
  env "${server_env[@]}" valgrind --tool=callgrind "${dump[@]}" \
    --callgrind-out-file="$out/$tag.callgrind" \
    "${server_cmd[@]}" >"$out/$tag.out" 2>"$out/$tag.err" &
  server_pid=$!
  # Under valgrind start-up takes seconds: wait for the address, at most 120 s.
  url=$(LISTEN_TRIES=1200 wait_listening "$server_pid" "$out/$tag.out" "$name" "$out/$tag.err") ||
    exit 1
  round_trips=$("$load" "$url" "$CLIENTS" "$seconds" | jq .round_trips)
  kill -TERM "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=
  instructions=$(sed -n 's/^summary: *//p' "$out/$tag.callgrind" || true)
  [ -n "$instructions" ] || { echo "instructions.sh: no callgrind summary for $tag" >&2; exit 1; }
}

declare -A per_rt locked
for name in $SERVERS; do
  measure "$name" "$SHORT"
  i_short=$instructions rt_short=$round_trips
  measure "$name" "$LONG"
  i_long=$instructions rt_long=$round_trips
  if [ "$rt_long" -le "$rt_short" ]; then
    echo "instructions.sh: $name: no more round trips in ${LONG}s than in ${SHORT}s" >&2
    exit 1
  fi
  per_rt[$name]=$(((i_long - i_short) / (rt_long - rt_short)))
  if [ "$LOCKS" = 1 ]; then
    locked[$name]=$(python3 scripts/locked.py "$out/$name.$SHORT.callgrind" \
      "$out/$name.$LONG.callgrind" "$rt_short" "$rt_long")
  fi
  echo "instructions.sh: $name: $i_short instructions / $rt_short round trips (${SHORT}s)," \
    "$i_long / $rt_long (${LONG}s)" >&2
done

# 17441 → 17,441
commas() { echo "$1" | sed ':a; s/\B[0-9]\{3\}\b/,&/; ta'; }

base=${per_rt[json-echo]:-}
header="| server | instructions / round trip | vs JSON echo |" rule="|---|---:|---:|"
[ "$LOCKS" = 1 ] && header="$header locked / round trip |" rule="$rule---:|"
echo "$header"
echo "$rule"
for name in $SERVERS; do
  ratio="–"
  [ -n "$base" ] && ratio=$(awk -v a="${per_rt[$name]}" -v b="$base" 'BEGIN { printf "%.2f×", a / b }')
  row="| $name | $(commas "${per_rt[$name]}") | $ratio |"
  [ "$LOCKS" = 1 ] && row="$row ${locked[$name]} |"
  echo "$row"
done
