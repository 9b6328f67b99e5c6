#!/usr/bin/env bash
# The built assets of dist/, also compressed at the best levels (brotli,
# gzip; no name or time in the gzip header: the same build, the same
# bytes). Apache (and the simulator) send these to a browser that accepts
# them, never compressing on the fly. Used by package.sh and bench.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
for f in dist/*.wasm dist/*.js dist/*.css; do
  brotli -q 11 -f -o "$f.br" "$f"
  gzip -9 -n -c "$f" > "$f.gz"
done
