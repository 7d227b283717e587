#!/usr/bin/env bash
# Benchmark of the production setup (nginx with deploy/nginx.conf in front of gunicorn
# with gunicorn.conf.py, WhiteNoise, DEBUG off) on PostgreSQL and Redis with the demo
# content, driven by wrk on loopback. Each line (see scripts/bench.py) gives requests
# per second and the gunicorn workers' CPU per request: through nginx, an article kept
# by its cache against the site's CSS file (the ceiling) and valid submissions (its
# rate limit raised for the bench); straight to gunicorn, the article, home and article
# list uncached, the request form, valid submissions and POSTs alone; then submissions
# with a live `manage.py run_worker` and a loopback SMTP server that accepts, then
# hangs (BENCH_WORKER=0 leaves those out). Needs nginx and libnginx-mod-http-cache-purge.
# env: BENCH_SECONDS (10), BENCH_CONNECTIONS (16), BENCH_WORKERS (2: gunicorn workers),
#      BENCH_GUNICORN (extra gunicorn options, e.g. "--worker-class sync --threads 1"),
#      PGHOST_URL (postgres://postgres@127.0.0.1:5432),
#      BENCH_DATABASE (clinic_bench; dropped and created again), PORT (8765), REDIS_URL
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 2; }
[ -x /usr/sbin/nginx ] || { echo "nginx is needed: apt-get install -y nginx-light libnginx-mod-http-cache-purge" >&2; exit 2; }
PG=${PGHOST_URL:-postgres://postgres@127.0.0.1:5432}
DB=${BENCH_DATABASE:-clinic_bench}
psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null
export DATABASE_URL=$PG/$DB
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/14}
# clinic.example.org: the name deploy/nginx.conf serves (and caches) under.
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost,testserver,clinic.example.org
# The benchmark submits far faster than any patient: lift the abuse limits for it.
export REQUEST_RATE_LIMIT=100000000 REQUEST_MIN_FILL_SECONDS=0
export GUNICORN_ACCESS_LOG=/dev/null
# Two workers on a two-core machine, as issue 16 measured; the rest from gunicorn.conf.py.
export WEB_CONCURRENCY=${BENCH_WORKERS:-2}
if [ -n "${BENCH_GUNICORN:-}" ]; then export GUNICORN_CMD_ARGS=$BENCH_GUNICORN; fi
# Shared with bench.py, which counts queries in-process against the same database.
export DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')}
export DJANGO_SECURE_SSL_REDIRECT=0
export PROD_DIR=${PROD_DIR:-$(mktemp -d /tmp/clinic-bench.XXXX)}
redis-cli -u "$REDIS_URL" flushdb >/dev/null 2>&1 || true
BASE=$(scripts/prod-server.sh)
trap 'kill "$(cat "$PROD_DIR/gunicorn.pid")" 2>/dev/null || true' EXIT
.venv/bin/python scripts/bench.py "$BASE" "${BENCH_SECONDS:-10}" "${BENCH_CONNECTIONS:-16}"
