#!/usr/bin/env bash
# The whole test suite: native unit tests (codec, parsers, status rules,
# config, simulator), then the release build of the app, then the browser
# tests (the built app against the simulator) in headless Chromium, then in
# headless Firefox ESR.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PWD/tools/node_modules/.bin:$PATH"
export RUST_BACKTRACE=0

echo "==> native unit tests"
cargo test --workspace --exclude browser-tests

echo "==> release build of the app (trunk)"
cargo fetch --quiet
trunk build --release --offline

echo "==> browser tests (headless Chromium)"
BROWSER=chromium cargo test -p browser-tests --test e2e -- --test-threads=2

echo "==> browser tests (headless Firefox ESR)"
BROWSER=firefox cargo test -p browser-tests --test e2e -- --test-threads=2
