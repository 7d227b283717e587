# The two commands a newcomer needs (README.md): `make run` and `make test`.
# Everything else here is a step they call, or an on-demand tool.

VENV ?= .venv
PORT ?= 8000
# Links in the demo's emails point at the port it serves.
SITE_URL ?= http://127.0.0.1:$(PORT)
DEMO_ENV = DJANGO_DEBUG=1 SITE_URL=$(SITE_URL)
PY := $(VENV)/bin/python
# Runs a command with DATABASE_URL, or else with a PostgreSQL of the checkout's own
# (.pgdata/, stopped when the command ends): scripts/with-postgres.
WITH_PG = $(PY) scripts/with-postgres
NPM ?= npm
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lighthouse test-clock lint check-migrations assets install install-dev test-browser serve-prod audit bench bench-search bench-scale bench-instructions clean messages compile-messages backup restore upgrade-timing

## run: set everything up and serve the site with demo content on http://127.0.0.1:$(PORT)
run: install assets
	$(WITH_PG) sh -c '\
	  DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput && \
	  $(DEMO_ENV) $(PY) manage.py seed_demo && \
	  echo "" && \
	  echo "The site:  http://127.0.0.1:$(PORT)/" && \
	  echo "Staff log in at http://127.0.0.1:$(PORT)/admin/ with the demo accounts above." && \
	  echo "" && \
	  echo "The lines marked worker.1 show the emails it sends (to the console in development)." && \
	  $(DEMO_ENV) RUN_PORT=$(PORT) $(VENV)/bin/honcho -f Procfile.dev start'

## test: lint, migration check and the whole test suite, exactly as CI runs it
# The suite on every core (pytest-xdist; PYTEST_WORKERS=1 for one process), then the
# tests marked `clock` at three awkward instants; both run even if the first fails.
PYTEST_WORKERS ?= auto
test: install-dev assets lighthouse lint check-migrations
	@status=0; \
	$(WITH_PG) $(PY) -m pytest -n $(PYTEST_WORKERS) || status=1; \
	PY=$(PY) PYTEST_WORKERS=$(PYTEST_WORKERS) $(WITH_PG) scripts/test-at-instants.sh || status=1; \
	exit $$status

## lighthouse: npm's Lighthouse (pinned, once) for the browser tests that score pages
lighthouse:
	scripts/install-lighthouse.sh

## test-clock: the tests marked clock at awkward instants (needs Debian's faketime)
test-clock: install-dev
	PY=$(PY) PYTEST_WORKERS=$(PYTEST_WORKERS) $(WITH_PG) scripts/test-at-instants.sh

## test-browser: only the real-browser (Playwright + Chromium) tests
test-browser: install-dev assets lighthouse
	$(WITH_PG) $(PY) -m pytest -m browser -n $(PYTEST_WORKERS)

lint: install-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

check-migrations: install-dev
	DJANGO_DEBUG=1 $(WITH_PG) $(PY) manage.py makemigrations --check --dry-run

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
	DJANGO_DEBUG=1 $(WITH_PG) $(PY) manage.py makemessages -l es --no-wrap --no-location $(MESSAGES_IGNORE)

## compile-messages: compile locale/*/LC_MESSAGES/django.po into the django.mo the site reads
compile-messages: install
	DJANGO_DEBUG=1 $(WITH_PG) $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

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
	$(WITH_PG) sh -c '$(PY) manage.py collectstatic --noinput -v0 && $(PY) manage.py migrate --noinput -v0 && $(VENV)/bin/gunicorn clinic.wsgi'

## audit: Lighthouse on the production setup; fails below budget (on demand, not in CI)
audit: install assets
	$(WITH_PG) scripts/lighthouse.sh

## bench: throughput, latency, queries and page weight on PostgreSQL + Redis (on demand)
bench: install-dev assets
	scripts/bench.sh

## backup: the database and media into one archive in BACKUP_DIR, then rotate (README, "Operations")
backup: install
	$(WITH_PG) $(PY) manage.py backup

## restore: make restore BACKUP=<archive> [RESTORE_ARGS=--force]: database and media from an archive
restore: install
	@test -n "$(BACKUP)" || { echo "Say which archive: make restore BACKUP=backups/clinic-backup-....tar"; exit 1; }
	$(WITH_PG) $(PY) manage.py restore $(RESTORE_ARGS) "$(BACKUP)"

## upgrade-timing: UPGRADE_FROM=<release> UPGRADE_DATA='<command>' make upgrade-timing (in the environment:
## make would expand the command's $): real-sized data from the previous release, each migration timed
upgrade-timing: install
	$(WITH_PG) $(PY) scripts/upgrade_timing.py

## bench-search: search, article list and topic page times at 40, 500 and 3,000 articles
bench-search: install
	$(WITH_PG) $(PY) scripts/bench_search.py

## bench-instructions: instructions the app executes for the form's GET and POST (valgrind;
## the same on any machine, for comparing commits on one whose speed moves)
bench-instructions: install-dev assets
	scripts/bench-instructions.sh

## bench-scale: the front desk's pages, export and purge at 300,000 requests (on demand)
bench-scale: install-dev
	scripts/bench-scale.sh

clean:
	rm -rf $(VENV) node_modules static/build staticfiles
