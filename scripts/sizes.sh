#!/usr/bin/env bash
# What the browser fetches before the first status (run after
# `trunk build --release`; DIST=... for another build): each file raw,
# gzip -9 and brotli -q 11, the total, and the ratio of the brotli total
# (what the package serves) to the Medulla console header the tab lives
# under (208 KB, 16 files: issue 23's goal). Not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
dist=${DIST:-dist}
if ! command -v brotli >/dev/null; then
  apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends brotli >/dev/null
fi
printf '| file | raw bytes | gzip -9 bytes | brotli -q 11 bytes |\n|---|---:|---:|---:|\n'
total_raw=0 total_gzip=0 total_brotli=0
for f in "$dist"/*.wasm "$dist"/*.js "$dist"/*.css "$dist"/index.html "$dist"/config.json; do
  raw=$(stat -c%s "$f") gz=$(gzip -9c "$f" | wc -c) br=$(brotli -q 11 -c "$f" | wc -c)
  total_raw=$((total_raw + raw)) total_gzip=$((total_gzip + gz)) total_brotli=$((total_brotli + br))
  printf '| %s | %s | %s | %s |\n' "$(basename "$f" | sed -E 's/-[0-9a-f]{1,16}(_bg|\.)/\1/')" "$raw" "$gz" "$br"
done
printf '| **first load** | %s | **%s** | %s |\n' "$total_raw" "$total_gzip" "$total_brotli"
awk -v b="$total_brotli" 'BEGIN { printf "\nfirst load, brotli: %.3f x the console header (208 KB)\n", b / 208000 }'
