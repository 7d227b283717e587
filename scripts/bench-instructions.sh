#!/usr/bin/env bash
# Instructions the app executes for the request form's GET and POST (scripts/
# bench_instructions.py, valgrind's callgrind): a figure that does not move with the
# machine, to compare two commits on a VM whose speed does. Production settings (DEBUG
# off), PostgreSQL and Redis, the demo content. Needs valgrind: apt-get install -y valgrind
# env: PGHOST_URL (postgres://postgres@127.0.0.1:5432), BENCH_DATABASE
#      (clinic_instructions; dropped and created again), REDIS_URL, REDIS_KEY_PREFIX,
#      BENCH_PAIRS (20)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is needed: apt-get install -y valgrind" >&2; exit 2; }
PG=${PGHOST_URL:-postgres://postgres@127.0.0.1:5432}
DB=${BENCH_DATABASE:-clinic_instructions}
psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null
export DATABASE_URL=$PG/$DB
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/14}
export REDIS_KEY_PREFIX=${REDIS_KEY_PREFIX:-bench-instructions}
export DJANGO_ALLOWED_HOSTS=127.0.0.1
export DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')}
export DJANGO_SECURE_SSL_REDIRECT=0
# Faster than any patient: lift the abuse limits for the count.
export REQUEST_RATE_LIMIT=100000000 REQUEST_MIN_FILL_SECONDS=0
.venv/bin/python manage.py collectstatic --noinput -v0
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py seed_demo --no-accounts >/dev/null
.venv/bin/python scripts/bench_instructions.py "${BENCH_PAIRS:-20}"
