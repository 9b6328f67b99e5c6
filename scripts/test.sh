#!/usr/bin/env bash
# The whole test suite: the translation catalogs, native unit tests (codec, parsers, status rules,
# config, simulator, gateway, the REST contract with schemathesis), then the
# release build of the app and the Debian package, then the browser tests
# (the built app against the simulator, directly or through the gateway,
# and the unpacked package) in headless Chromium, then in headless Firefox
# ESR.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PWD/tools/node_modules/.bin:$PATH"
export RUST_BACKTRACE=0

echo "==> translation catalogs: GNU gettext's own check of each (the build checks that they are complete)"
for po in locale/imaging-status.pot locale/*/LC_MESSAGES/*.po; do
  msgfmt --check-format --check-domain -o /dev/null "$po"
done
cargo run -q -p catalogs -- check

echo "==> the packaged Prometheus alerting rules: promtool's check and their unit tests"
promtool check rules prometheus/medulla-imaging.rules.yml
(cd prometheus && promtool test rules medulla-imaging.rules.test.yml)
echo "==> native unit tests"
cargo test --workspace --exclude browser-tests

echo "==> release build of the app (trunk) and the Debian package, unpacked for the tests"
bash scripts/package.sh

echo "==> browser tests (headless Chromium)"
BROWSER=chromium cargo test -p browser-tests --test e2e -- --test-threads=2

echo "==> browser tests (headless Firefox ESR)"
BROWSER=firefox cargo test -p browser-tests --test e2e -- --test-threads=2
