#!/usr/bin/env bash
# Fuzzes every reader of untrusted input for SECONDS each (default 60):
# the XML-RPC decoder, the agent answer readers, the df/free/uptime parsers,
# config.json and the REST readers. Seeded with the golden fixtures and the
# contract's examples; the corpus grows in fuzz/corpus/ from run to run.
# Prints the executions and crashes of each target; fails on any crash
# (the input is in fuzz/artifacts/<target>/: make it a unit test).
# Needs Rust nightly and cargo-fuzz: installed here when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
seconds="${1:-60}"
targets=(xmlrpc agent_answers figures config rest)

if ! rustup toolchain list | grep -q '^nightly'; then
  rustup toolchain install nightly --profile minimal
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  cargo +nightly install cargo-fuzz --locked
fi

cd fuzz
# Builds every target, and the seed writer with them (same flags).
cargo +nightly fuzz build
host=$(rustc +nightly -vV | sed -n 's/^host: //p')
rm -rf seeds && "target/$host/release/seeds" seeds
mkdir -p logs
printf '%-14s %12s %8s %8s\n' target executions seconds crashes > logs/summary.txt
failed=0
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  echo "==> $target, ${seconds} s"
  # -timeout: an input that runs 10 s is a hang, reported like a crash.
  if cargo +nightly fuzz run "$target" "corpus/$target" "seeds/$target" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      >"logs/$target.log" 2>&1; then
    crashes=0
  else
    crashes=1
    failed=1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$target.log" | grep -o '[0-9]*$' | tail -1)
  printf '%-14s %12s %8s %8s\n' "$target" "${runs:-?}" "$seconds" "$crashes" | tee -a logs/summary.txt
  if [ "$crashes" != 0 ]; then
    tail -40 "logs/$target.log"
  fi
done
echo
cat logs/summary.txt
exit "$failed"
