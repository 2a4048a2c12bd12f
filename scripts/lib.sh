# Shell helpers shared by the scripts of scripts/ (sourced, never run): `. scripts/lib.sh`.

# wait_listening PID OUT WHAT [ERR]
# Wait until OUT (the stdout of the server process PID, started in the background) holds its
# `listening on URL` line, and print URL. Bounded: at most LISTEN_TRIES [150] checks, 0.1 s apart.
# Fails, saying on stderr that WHAT did not start and why (it exited, or no such line in time),
# with the end of ERR (its stderr file) when given: use as `url=$(wait_listening …) || exit 1`.
wait_listening() {
  local pid=$1 out=$2 what=$3 err=${4:-} tries=${LISTEN_TRIES:-150} why
  for _ in $(seq "$tries"); do
    if grep -q '^listening on ' "$out" 2>/dev/null; then
      sed -n 's/^listening on //p' "$out" | head -1
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      # It may have printed the line just before it exited.
      if grep -q '^listening on ' "$out" 2>/dev/null; then
        sed -n 's/^listening on //p' "$out" | head -1
        return 0
      fi
      why="it exited"
      break
    fi
    sleep 0.1
  done
  why=${why:-"no \"listening on\" line after $tries tries, 0.1 s apart"}
  echo "${0##*/}: $what did not start ($why)" >&2
  if [ -n "$err" ] && [ -s "$err" ]; then
    echo "${0##*/}: the end of its stderr ($err):" >&2
    tail -n 5 "$err" | sed 's/^/  /' >&2
  fi
  return 1
}
