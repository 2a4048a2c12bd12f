#!/usr/bin/env bash
# The playground's first chunk on screen: from the Enter key to the frame that paints the first
# text of an echo answer, in Debian's Chromium (headless, driven by playwright-core), over
# PROMPTS prompts in one page. Target: p90 under 100 ms. Prints one JSON line of figures.
#
# Environment: PROMPTS [50], SKIP_BUILD [0] (1: use the existing release build), SOCKAI [the
# release build] (another binary to measure).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

PROMPTS=${PROMPTS:-50}
[ -x /usr/bin/chromium ] || { echo "page-latency.sh: /usr/bin/chromium is required (apt-get install chromium)" >&2; exit 2; }
[ -d tests/node/node_modules/playwright-core ] || npm ci --prefix tests/node --no-audit --no-fund
if [ -z "${SOCKAI:-}" ] && [ "${SKIP_BUILD:-0}" != 1 ]; then
  cargo build --release --locked --quiet --bin sockai
fi
sockai=${SOCKAI:-target/release/sockai}

dir=$(mktemp -d)
"$sockai" serve --port 0 >"$dir/out" 2>"$dir/err" &
pid=$!
trap 'kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
url=$(wait_listening "$pid" "$dir/out" "sockai serve" "$dir/err") || exit 1
(cd tests/node && node browser-page.mjs "{\"fast\": \"$url\", \"measure\": $PROMPTS}")
