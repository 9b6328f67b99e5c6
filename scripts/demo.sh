#!/usr/bin/env bash
# Installs what is missing, builds the app and runs it on the simulated
# Medulla at one local URL (default port 8080; PORT=... to change it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PWD/tools/node_modules/.bin:$PATH"
export RUST_BACKTRACE=0
cargo fetch --quiet
trunk build --release --offline
cargo build --release -p medulla-sim
exec target/release/medulla-sim --port "${PORT:-8080}" --dist dist "$@"
