#!/usr/bin/env bash
# Installs whatever the demo and the tests need and is missing on this machine.
# Every step is guarded: a machine that has the tool skips it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/tools/node_modules/.bin:$PATH"

step() { printf '\n==> %s\n' "$*"; }

# npm, wherever this machine has it: a working one on PATH; else the one
# Node.js's own corepack fetches from the npm registry (some images keep
# Node.js but lose npm); else Debian's Node.js and npm.
npm_run() {
  if npm --version >/dev/null 2>&1; then
    npm "$@"
  elif command -v node >/dev/null && [ -f /usr/lib/node_modules/corepack/dist/corepack.js ]; then
    # Corepack's built-in signing keys can be older than the registry's:
    # without this it refuses every npm release. It still fetches over HTTPS.
    COREPACK_INTEGRITY_KEYS=0 node /usr/lib/node_modules/corepack/dist/corepack.js npm@10.9.2 "$@"
  else
    step "apt-get install nodejs npm"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm
    npm "$@"
  fi
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
if ! trunk --version 2>/dev/null | grep -q ' 0\.21\.14'; then
  step "cargo install trunk 0.21.14 (about 6 minutes on 2 cores)"
  cargo install trunk@0.21.14 --locked
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q ' 0\.2\.130'; then
  step "cargo install wasm-bindgen-cli 0.2.130 (about 3 minutes)"
  # Not --locked: its lockfile pins a crate version the registry no longer has.
  cargo install wasm-bindgen-cli --version 0.2.130
fi
if ! wasm-opt --version 2>/dev/null | grep -q 'version 132' || [ ! -f tools/node_modules/axe-core/axe.min.js ]; then
  step "npm install binaryen 132 (wasm-opt; never Debian's binaryen 108, it breaks the app) and axe-core"
  npm_run install --prefix tools --no-save --no-audit --no-fund binaryen@132.0.0 axe-core@4.14.1
fi
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  step "apt-get install chromium chromium-driver"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver
fi
if ! command -v promtool >/dev/null; then
  step "apt-get install prometheus (its promtool checks the packaged alerting rules)"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus
fi
if ! command -v firefox-esr >/dev/null; then
  step "apt-get install firefox-esr (the browser suite also runs in Firefox ESR)"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y firefox-esr
fi
if ! geckodriver --version >/dev/null 2>&1; then
  step "cargo install geckodriver (Firefox's WebDriver, built from the registry: about 2 minutes)"
  cargo install geckodriver --locked
fi
if ! cargo deb --version 2>/dev/null | grep -q ' 3\.8\.0'; then
  step "cargo install cargo-deb 3.8.0 (the Debian package: about 2 minutes)"
  cargo install cargo-deb@3.8.0 --locked
fi
if ! tools/venv/bin/schemathesis --version 2>/dev/null | grep -q ' 4\.32\.5'; then
  step "pip install schemathesis 4.32.5 into tools/venv (property-based tests of the REST contract)"
  python3 -m venv tools/venv
  tools/venv/bin/pip install --quiet --disable-pip-version-check "schemathesis==4.32.5"
fi
if ! command -v msgfmt >/dev/null; then
  step "apt-get install gettext (msgfmt checks the translation catalogs as Medulla's translators' tools read them)"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends gettext
fi
if ! command -v dpkg-deb >/dev/null || [ ! -x /usr/sbin/apache2 ] || ! command -v openssl >/dev/null \
  || ! command -v curl >/dev/null || ! command -v systemd-analyze >/dev/null || ! command -v brotli >/dev/null; then
  step "apt-get install dpkg apache2 openssl curl systemd brotli (the package, its assets precompressed, its tests: unpacked, its unit scored, behind a real Apache over TLS)"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends dpkg apache2 openssl curl systemd brotli
fi
