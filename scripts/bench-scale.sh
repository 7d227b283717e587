#!/usr/bin/env bash
# The front desk at a clinic group's five years (scripts/bench_scale.py): pages at the
# demo size, then 300,000 requests generated (clinic/scale_data.py), the same pages,
# the export through gunicorn and the purge. Production settings (DEBUG off), PostgreSQL.
# env: PGHOST_URL (postgres://postgres@127.0.0.1:5432), SCALE_DATABASE (clinic_scale;
#      dropped and created again unless BENCH_REUSE=1 and it holds the data already),
#      SCALE_REQUESTS (300000); arguments go to bench_scale.py (--skip-export, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
PG=${PGHOST_URL:-postgres://postgres@127.0.0.1:5432}
DB=${SCALE_DATABASE:-clinic_scale}
args=(--requests "${SCALE_REQUESTS:-300000}")
if [ "${BENCH_REUSE:-0}" = 1 ]; then
  args+=(--reuse)
  psql "$PG/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 \
    || psql "$PG/postgres" -qc "CREATE DATABASE $DB"
else
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
fi
export DATABASE_URL=$PG/$DB
export DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')}
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost,testserver
export DJANGO_SECURE_SSL_REDIRECT=0
.venv/bin/python manage.py collectstatic --noinput -v0
exec .venv/bin/python scripts/bench_scale.py "${args[@]}" "$@"
