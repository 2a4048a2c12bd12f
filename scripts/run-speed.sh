#!/usr/bin/env bash
# The speed of `sockai run` (targets from issue 17), medians of RUNS runs:
#  (a) start-up: `sockai run` of a one-exchange scenario (emit ai-message, expect its answer)
#      against the official Node socket.io 4.8 server (tests/node/sio-server.mjs), alternated
#      run by run with `sockai emit … --expect` doing the same job, as scripts/emit-speed.sh
#      measures it (wall time of the process);                         target: ≤ 15 ms
#  (b) a 1,000-step emit/expect scenario against a local `sockai serve --provider echo`
#      (steps per second of the file's own time, process start-up excluded); target: ≥ 5,000
#  (c) 100 files of 10 emit/expect steps each with `--jobs 4` against the same server (wall
#      time of the whole run);                                          target: < 2 s
#  (d) the peak RSS of `sockai run` over (b) and (c) (/usr/bin/time);  target: ≤ 20 MiB
#
#   scripts/run-speed.sh [RUNS] [SOCKAI]      defaults: 20, target/release/sockai
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
runs=${1:-20}
bin=${2:-target/release/sockai}
[ -x "$bin" ] || { echo "run-speed.sh: build $bin first (cargo build --release)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "run-speed.sh: needs /usr/bin/time (Debian: apt-get install time)" >&2; exit 2; }
out=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$out"
}
trap cleanup EXIT

# The Node server leaves when its stdin closes: keep a pipe open for it.
sleep 100000 | node tests/node/sio-server.mjs >"$out/node" &
pids+=("$(jobs -p | tail -1)" "$!")
node_url=$(wait_listening "$!" "$out/node" "the Node server") || exit 1
"$bin" serve --port 0 --provider echo --rate-limit 0 --no-stream --history 0 \
  >"$out/serve" 2>"$out/serve.err" &
pids+=("$!")
serve_url=$(wait_listening "$!" "$out/serve" "sockai serve" "$out/serve.err") || exit 1

# (a) one exchange, as `sockai emit URL ai-message '{"prompt":"ping"}' --expect …` does it.
printf 'emit ai-message {"prompt": "ping"}\nexpect ai-message-response\n' >"$out/one.sockai"
now() { date +%s%N; }
for _ in $(seq "$runs"); do
  t0=$(now)
  "$bin" run "$out/one.sockai" --var "url=$node_url" >/dev/null
  t1=$(now)
  "$bin" emit "$node_url" ai-message '{"prompt":"ping"}' --expect ai-message-response >/dev/null
  t2=$(now)
  echo "$(( (t1 - t0) / 1000 )) $(( (t2 - t1) / 1000 ))" >>"$out/startup"
done

# (b) 500 × (emit, expect with a check) = 1,000 steps on one connection.
for i in $(seq 500); do
  printf 'emit ai-message {"prompt": "p%d"}\nexpect ai-message-response /response == "echo: p%d"\n' "$i" "$i"
done >"$out/long.sockai"
for _ in $(seq "$runs"); do
  /usr/bin/time -f %M -o "$out/rss.tmp" "$bin" run "$out/long.sockai" --var "url=$serve_url" --json \
    >"$out/long.json"
  cat "$out/rss.tmp" >>"$out/rss"
  # The file's own time (ms) and its steps (the implicit connect included).
  python3 -c 'import json,sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["type"] == "file":
        assert r["ok"], r
        print(r["ms"], r["steps"])' "$out/long.json" >>"$out/long"
done

# (c) 100 files of 5 × (emit, expect), 4 at a time.
mkdir "$out/many"
for f in $(seq -w 100); do
  for i in $(seq 5); do
    printf 'emit ai-message {"prompt": "f%s-%d"}\nexpect ai-message-response /response == "echo: f%s-%d"\n' \
      "$f" "$i" "$f" "$i"
  done >"$out/many/$f.sockai"
done
for _ in $(seq "$runs"); do
  t0=$(now)
  /usr/bin/time -f %M -o "$out/rss.tmp" "$bin" run "$out/many" --jobs 4 --var "url=$serve_url" \
    >"$out/many.out"
  t1=$(now)
  grep -q '100 files: 100 passed' "$out/many.out" || { cat "$out/many.out" >&2; exit 1; }
  cat "$out/rss.tmp" >>"$out/rss"
  echo "$(( (t1 - t0) / 1000 ))" >>"$out/many.times"
done

python3 - "$out" "$runs" <<'PY'
import statistics, sys
out, runs = sys.argv[1], sys.argv[2]
rows = [tuple(map(int, l.split())) for l in open(f"{out}/startup")]
run_ms = statistics.median(r[0] for r in rows) / 1000
emit_ms = statistics.median(r[1] for r in rows) / 1000
long = [tuple(map(float, l.split())) for l in open(f"{out}/long")]
rate = statistics.median(steps / (ms / 1000) for ms, steps in long)
many = statistics.median(int(l) for l in open(f"{out}/many.times")) / 1e6
rss = max(int(l) for l in open(f"{out}/rss")) / 1024
def verdict(ok): return "ok" if ok else "MISSED"
print(f"runs {runs} (medians)")
print(f"(a) start-up, one exchange vs Node socket.io 4.8: sockai run {run_ms:.1f} ms, "
      f"sockai emit {emit_ms:.1f} ms  [target <= 15 ms: {verdict(run_ms <= 15)}]")
print(f"(b) 1,000-step emit/expect vs sockai serve: {rate:,.0f} steps/s  "
      f"[target >= 5,000: {verdict(rate >= 5000)}]")
print(f"(c) 100 files, --jobs 4: {many:.2f} s  [target < 2 s: {verdict(many < 2)}]")
print(f"(d) peak RSS of sockai run over (b) and (c): {rss:.1f} MiB  "
      f"[target <= 20 MiB: {verdict(rss <= 20)}]")
PY
