#!/usr/bin/env bash
# Regenerate completions/ and doc/ from the clap definition. Run after changing src/cli.rs;
# tests/cases/generated.rs fails until you do.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
bin=target/debug/sockai

mkdir -p completions doc
"$bin" completions bash > completions/sockai.bash
"$bin" completions zsh > completions/_sockai
"$bin" completions fish > completions/sockai.fish
"$bin" completions powershell > completions/_sockai.ps1
"$bin" completions elvish > completions/sockai.elv

rm -f doc/*.1
"$bin" man > doc/sockai.1
for sub in $("$bin" --help | awk '/^Commands:/ {on=1; next} /^$/ {on=0} on && /^  [a-z]/ && $1 != "help" {print $1}'); do
  "$bin" man "$sub" > "doc/sockai-$sub.1"
done
echo "regenerated completions/ and doc/"
