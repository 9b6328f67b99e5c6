#!/usr/bin/env bash
# Installs what is missing, builds the app and runs it on the simulated
# Medulla at one local URL (default port 8080; PORT=... to change it).
# Arguments go to the simulator (target/release/medulla-sim --help); with
# `--transport rest`, the tab talks to our gateway (on PORT+1), which talks
# to the simulated agent, as in production.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PWD/tools/node_modules/.bin:$PATH"
export RUST_BACKTRACE=0
cargo fetch --quiet
trunk build --release --offline
cargo build --release -p medulla-sim -p medulla-imaging-gateway
port=${PORT:-8080}

rest=no
previous=
for arg in "$@"; do
  if [ "$previous" = --transport ] && [ "$arg" = rest ]; then rest=yes; fi
  previous=$arg
done
if [ "$rest" = no ]; then
  exec target/release/medulla-sim --port "$port" --dist dist "$@"
fi

# The gateway as packaged (packaging/gateway.ini), with the simulated
# agent's config.ini in place of /etc/mmc/agent/config.ini.
gateway_port=$((port + 1))
mkdir -p target/demo
cat > target/demo/agent-config.ini <<INI
[main]
host = 127.0.0.1
port = $port
login = mmc
password = s3cr3t
enablessl = 0
INI
{
  cat packaging/gateway.ini
  printf '\n[gateway]\nlisten = 127.0.0.1:%s\ncheck_interval_seconds = 5\nagent_config = %s\n' \
    "$gateway_port" "$PWD/target/demo/agent-config.ini"
  printf '[agent]\nurl = http://127.0.0.1:%s/mmc-agent/\n' "$port"
} > target/demo/gateway.ini
target/release/medulla-imaging-gateway --config target/demo/gateway.ini 2> target/demo/gateway.log &
gateway=$!
trap 'kill "$gateway" 2>/dev/null || true' EXIT
echo "gateway: http://127.0.0.1:$gateway_port (its log: target/demo/gateway.log)"
target/release/medulla-sim --port "$port" --dist dist --rest-upstream "http://127.0.0.1:$gateway_port" "$@"
