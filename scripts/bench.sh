#!/usr/bin/env bash
# Benchmark of the production setup (gunicorn, WhiteNoise, DEBUG off) on PostgreSQL
# and Redis with the demo content, driven by wrk on loopback. Prints requests per
# second and latency per page next to a static file of similar size, SQL queries and
# compressed bytes per page, and valid submissions per second with their p99: without
# a worker, then with a live `manage.py run_worker` sending to a loopback SMTP server
# (aiosmtpd) that accepts (every email sent once), then hangs (the emails stay queued).
# env: BENCH_SECONDS (10), BENCH_CONNECTIONS (32), PGHOST_URL (postgres://postgres@127.0.0.1:5432),
#      BENCH_DATABASE (clinic_bench; dropped and created again), PORT (8765), REDIS_URL
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 2; }
PG=${PGHOST_URL:-postgres://postgres@127.0.0.1:5432}
DB=${BENCH_DATABASE:-clinic_bench}
psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null
export DATABASE_URL=$PG/$DB
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/14}
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost,testserver
# The benchmark submits far faster than any patient: lift the abuse limits for it.
export REQUEST_RATE_LIMIT=100000000 REQUEST_MIN_FILL_SECONDS=0
export GUNICORN_ACCESS_LOG=/dev/null
# Shared with bench.py, which counts queries in-process against the same database.
export DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')}
export DJANGO_SECURE_SSL_REDIRECT=0
export PROD_DIR=${PROD_DIR:-$(mktemp -d /tmp/clinic-bench.XXXX)}
redis-cli -u "$REDIS_URL" flushdb >/dev/null 2>&1 || true
BASE=$(scripts/prod-server.sh)
trap 'kill "$(cat "$PROD_DIR/gunicorn.pid")" 2>/dev/null || true' EXIT
.venv/bin/python scripts/bench.py "$BASE" "${BENCH_SECONDS:-10}" "${BENCH_CONNECTIONS:-32}"
