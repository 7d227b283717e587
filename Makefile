# The two commands a newcomer needs (README.md): `make run` and `make test`.
# Everything else here is a step they call, or an on-demand tool.

VENV ?= .venv
PORT ?= 8000
# Links in the demo's emails point at the port it serves.
SITE_URL ?= http://127.0.0.1:$(PORT)
DEMO_ENV = DJANGO_DEBUG=1 SITE_URL=$(SITE_URL)
PY := $(VENV)/bin/python
NPM ?= npm
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test test-clock lint check-migrations assets install install-dev test-browser serve-prod audit bench bench-scale clean messages compile-messages

## run: set everything up and serve the site with demo content on http://127.0.0.1:$(PORT)
run: install assets
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py seed_demo
	@echo ""
	@echo "The site:  http://127.0.0.1:$(PORT)/"
	@echo "Staff log in at http://127.0.0.1:$(PORT)/admin/ with the demo accounts above."
	@echo ""
	@echo "The worker's lines show the emails it sends (to the console in development)."
	$(DEMO_ENV) RUN_PORT=$(PORT) $(VENV)/bin/honcho -f Procfile.dev start

## test: lint, migration check and the whole test suite, exactly as CI runs it
test: install-dev assets lint check-migrations
	$(PY) -m pytest
	PY=$(PY) scripts/test-at-instants.sh
	@if [ -n "$$DATABASE_URL" ]; then \
	  echo "--- again on the SQLite default: migrate, seed and every public page"; \
	  env -u DATABASE_URL $(PY) -m pytest -m sqlite_smoke -p no:cacheprovider; \
	fi

## test-clock: the date-sensitive suites at awkward instants (needs Debian's faketime)
test-clock: install-dev
	PY=$(PY) scripts/test-at-instants.sh

## test-browser: only the real-browser (Playwright + Chromium) tests
test-browser: install-dev assets
	$(PY) -m pytest -m browser

lint: install-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

check-migrations: install-dev
	env -u DATABASE_URL DJANGO_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

$(PY):
	@python=$$(scripts/find-python.sh) && echo "Using $$python" && $$python -m venv $(VENV)

$(VENV)/.installed-runtime: requirements.txt | $(PY)
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $@ $(VENV)/.installed-runtime

install: $(VENV)/.installed-runtime
install-dev: $(VENV)/.installed-dev

## messages: collect the site's English strings into the Spanish catalogue (needs GNU gettext)
MESSAGES_IGNORE = --ignore=.venv --ignore=node_modules --ignore=tests --ignore=static \
	--ignore=staticfiles --ignore=static_root --ignore=media
messages: install
	DJANGO_DEBUG=1 $(PY) manage.py makemessages -l es --no-wrap --no-location $(MESSAGES_IGNORE)

## compile-messages: compile locale/*/LC_MESSAGES/django.po into the django.mo the site reads
compile-messages: install
	DJANGO_DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

## assets: Bootstrap from npm, built down to what the site uses
assets: static/build/clinic.css

node_modules/.package-lock.json: package.json package-lock.json
	@command -v $(NPM) >/dev/null || { echo "Node.js and npm are needed to build the CSS: apt-get install nodejs npm (or see nodejs.org)"; exit 1; }
	$(NPM) ci --no-audit --no-fund --loglevel=error

static/build/clinic.css: node_modules/.package-lock.json static_src/clinic.scss static_src/_site.scss
	$(NPM) run --silent build

## serve-prod: the production setup on this machine (gunicorn, WhiteNoise, DEBUG off)
serve-prod: install assets
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-local-production-check-$$(date +%s)} \
	DJANGO_ALLOWED_HOSTS=$${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost} \
	DJANGO_SECURE_SSL_REDIRECT=0 \
	sh -c '$(PY) manage.py collectstatic --noinput -v0 && $(PY) manage.py migrate --noinput -v0 && $(VENV)/bin/gunicorn clinic.wsgi'

## audit: Lighthouse on the production setup; fails below budget (on demand, not in CI)
audit: install assets
	scripts/lighthouse.sh

## bench: throughput, latency, queries and page weight on PostgreSQL + Redis (on demand)
bench: install-dev assets
	scripts/bench.sh

## bench-scale: the front desk's pages, export and purge at 300,000 requests (on demand)
bench-scale: install-dev
	scripts/bench-scale.sh

clean:
	rm -rf $(VENV) node_modules static/build staticfiles
