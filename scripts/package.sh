#!/usr/bin/env bash
# Builds the Debian package of Medulla Imaging Status (the tab, the gateway,
# its systemd unit, its configuration and Apache's) from this tree:
# target/debian/medulla-imaging-status_<version>_<arch>.deb, and unpacks it
# in target/debian/root (dpkg-deb -x, no system install) for the tests.
# Install it on the Medulla server with: apt install ./target/debian/medulla-imaging-status_*.deb
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
export PATH="$HOME/.cargo/bin:$PWD/tools/node_modules/.bin:$PATH"
export RUST_BACKTRACE=0

if [ "${1:-}" != "--tab-built" ]; then
  cargo fetch --quiet
  trunk build --release --offline
fi
# The built assets, also compressed (brotli, gzip) as Apache serves them.
bash scripts/compress.sh
rm -f target/debian/medulla-imaging-status_*.deb
cargo deb -p medulla-imaging-gateway --profile gateway --locked
deb=$(ls target/debian/medulla-imaging-status_*.deb)
rm -rf target/debian/root
dpkg-deb -x "$deb" target/debian/root
# The unit's hardening, as systemd scores it (shown from 0, best, to 10;
# "OK" up to 2.0; --threshold counts tenths): this fails above 2.0.
systemd-analyze security --offline=true --root=target/debian/root --threshold=20 \
  medulla-imaging-gateway.service | tail -1
echo "package: $deb ($(du -h "$deb" | cut -f1)), unpacked in target/debian/root"
dpkg-deb --info "$deb" | sed -n '/Package:/,$p'
