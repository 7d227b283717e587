#!/usr/bin/env bash
# npm's Lighthouse, pinned, into .cache/lighthouse (once): for `make audit` and for the
# Lighthouse tests in tests/browser (CI runs them). Uses Debian's Chromium; downloads
# only from the npm registry.
set -euo pipefail
cd "$(dirname "$0")/.."
LH_DIR=${LH_DIR:-$PWD/.cache/lighthouse}
if [ ! -x "$LH_DIR/node_modules/.bin/lighthouse" ]; then
  mkdir -p "$LH_DIR"
  [ -f "$LH_DIR/package.json" ] || echo '{"private":true}' > "$LH_DIR/package.json"
  npm install --prefix "$LH_DIR" --no-audit --no-fund --loglevel=error 'lighthouse@12.8.2' >&2
fi
