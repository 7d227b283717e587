#!/usr/bin/env bash
# Lighthouse (npm's lighthouse@12, Debian's Chromium, offline) against the production
# setup. Prints the four scores per page; exits non-zero below budget:
# accessibility, best practices and SEO 100, performance at least 95.
set -euo pipefail
cd "$(dirname "$0")/.."
LH_DIR=${LH_DIR:-$PWD/.cache/lighthouse}
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
BUDGET=${LH_MIN_SCORES:-performance=0.95,accessibility=1,best-practices=1,seo=1}
OUT=${LH_OUT:-test-artifacts/lighthouse}
mkdir -p "$OUT"

[ -x "$CHROME_PATH" ] || { echo "missing $CHROME_PATH: apt-get install -y chromium" >&2; exit 2; }
LH_DIR=$LH_DIR scripts/install-lighthouse.sh

export PROD_DIR=${PROD_DIR:-$(mktemp -d /tmp/clinic-lh.XXXX)}
BASE=$(scripts/prod-server.sh)
trap 'kill "$(cat "$PROD_DIR/gunicorn.pid")" 2>/dev/null || true' EXIT
ARTICLE=/articles/whats-next-if-facet-joint-injections-dont-work/  # from the starter library

FLAGS="--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"
FLAGS+=" --host-resolver-rules='MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1'"
status=0
for page in "home=/" "articles=/articles/" "article=$ARTICLE" "request=/appointments/request/"; do
  name=${page%%=*}; path=${page#*=}
  for preset in mobile desktop; do
    args=(); [ "$preset" = desktop ] && args=(--preset=desktop)
    "$LH_DIR/node_modules/.bin/lighthouse" "$BASE$path" --quiet "${args[@]}" \
      --output=json --output=html --output-path="$OUT/$name-$preset" \
      --only-categories=performance,accessibility,best-practices,seo \
      --chrome-flags="$FLAGS" >/dev/null 2>&1 || true
    node scripts/lighthouse-summary.js "$OUT/$name-$preset.report.json" "$BUDGET" "$name ($preset)" || status=1
  done
done
exit $status
