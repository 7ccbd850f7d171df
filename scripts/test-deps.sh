#!/usr/bin/env bash
# What the test suite needs besides Python packages: Debian's Chromium (browser tests) and
# the npm packages of the test FHIR server. Installs them when missing; never downloads a
# browser build of its own.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser tests..."
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "The browser tests need Debian's chromium: run 'sudo apt-get install chromium'." >&2
    exit 1
  fi
fi

for dir in tests/fhir_server benchmarks/peerjs; do
  if [ -f "$dir/package.json" ] && [ ! -d "$dir/node_modules" ]; then
    (cd "$dir" && npm ci --silent --no-audit --no-fund)
  fi
done
