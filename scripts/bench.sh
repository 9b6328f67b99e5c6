#!/usr/bin/env bash
# Speed and weight, measured (issue 10); not part of the test suite's
# pass/fail. Builds the tab, prints the size table (scripts/sizes.sh), then
# runs tests/browser/examples/bench/ in headless Chromium against the
# simulator: switch and cold-start times with 0, 100 and 300 ms per answer
# on both transports with 5, 300 and 5,000 entities (BENCH_SCALES), round
# trips and requests per check, the first and the second load through a
# throttled link (10 Mbit/s, 40 ms per request) against their physical
# limit, with the same entity counts, the selector's
# key-press-to-frame time with 5,000 and 50,000 entities, and the heap,
# DOM, timers and listeners over a long run; then the gateway under load
# (gateway/examples/load.rs: its memory over 5,000 requests from 50
# sessions, and dead servers with the agent's real 30 s wait), and the
# history at scale (gateway/examples/history.rs: a 90-day database of 200
# servers, its size, its pruning, the history request through the gateway).
# docs/performance.md quotes its tables.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null 2>&1 || bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PWD/tools/node_modules/.bin:$PATH"
RUST_BACKTRACE=0 trunk build --release --offline >/dev/null
bash scripts/compress.sh
bash scripts/sizes.sh
cargo build -q -p browser-tests --release --example bench
# The gateway's request log goes to the same output: only the tables.
target/release/examples/bench | grep -E '^(\||$)'
cargo build -q --release -p medulla-imaging-gateway --bin medulla-imaging-gateway --example load --example history
target/release/examples/load
target/release/examples/history
