#!/usr/bin/env bash
# Start the production setup (gunicorn + WhiteNoise, DEBUG off) on loopback with the
# demo content, for audits and benchmarks. Prints the base URL; stop it with
#   kill "$(cat "$PROD_DIR/gunicorn.pid")"
# env: PORT (8765), DATABASE_URL (required: run it through scripts/with-postgres),
#      PROD_DIR (/tmp/clinic-prod), any other setting from README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-8765}
PROD_DIR=${PROD_DIR:-/tmp/clinic-prod}
mkdir -p "$PROD_DIR"
export DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')}
export DJANGO_ALLOWED_HOSTS=${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost}
export DJANGO_SECURE_SSL_REDIRECT=0   # plain HTTP on loopback; TLS is the proxy's job
: "${DATABASE_URL:?set DATABASE_URL, or run this through scripts/with-postgres}"
export GUNICORN_BIND=127.0.0.1:$PORT
export GUNICORN_ACCESS_LOG=${GUNICORN_ACCESS_LOG:-$PROD_DIR/access.log}

.venv/bin/python manage.py collectstatic --noinput -v0
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py seed_demo --no-accounts >/dev/null
.venv/bin/gunicorn clinic.wsgi --daemon --pid "$PROD_DIR/gunicorn.pid" \
  --error-logfile "$PROD_DIR/error.log"
for _ in $(seq 50); do
  curl -sf "http://127.0.0.1:$PORT/healthz/" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -sf "http://127.0.0.1:$PORT/healthz/" >/dev/null || { cat "$PROD_DIR/error.log" >&2; exit 1; }
echo "http://localhost:$PORT"
