#!/usr/bin/env bash
# Sizes of the shipped files of a release build (run after `trunk build --release`).
set -euo pipefail
cd "$(dirname "$0")/.."
printf '| file | raw bytes | gzip -9 bytes |\n|---|---:|---:|\n'
for f in dist/*.wasm dist/*.js dist/*.css dist/index.html; do
  printf '| %s | %s | %s |\n' "$(basename "$f" | sed -E 's/-[0-9a-f]{16}//')" "$(stat -c%s "$f")" "$(gzip -9c "$f" | wc -c)"
done
