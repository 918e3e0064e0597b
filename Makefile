# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Debian packages: WeasyPrint's Pango and HarfBuzz (libharfbuzz-subset0 makes it ~3x faster), poppler-utils for
# pdftoppm, gettext for the translations, chromium for the browser tests.
APT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils gettext chromium
PYTEST_ARGS ?=

BENCH_ARGS ?=

.PHONY: bench run worker test install install-test system-deps lint migrate seed seed-bulk messages makemessages clean screenshots load faults

run: install messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

# Departure slips out of the request (README, "The departure slip"): set CELERY_BROKER_URL for both `make run`
# and this worker, e.g. CELERY_BROKER_URL=redis://127.0.0.1:6379/0. Processes, not threads: a process draws one
# slip at a time.
worker: install messages
	@test -n "$$CELERY_BROKER_URL" || { echo "Set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0)"; exit 2; }
	$(VENV)/bin/celery -A config worker --pool=prefork --loglevel=INFO

test: install-test system-deps messages
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi; \
	fi

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(VENV)/bin/pip install -q .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(VENV)/bin/pip install -q ".[test]"
	touch $(VENV)/.installed $@

install: system-deps $(VENV)/.installed

install-test: $(VENV)/.installed-test

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The README's screenshots of the portal (tests/e2e/test_screenshots.py), at 360 px and 1280 px, and of the
# back-office at 1280 px (tests/e2e/test_backoffice.py, taken along its browser journeys).
SCREENSHOTS_LANGUAGE ?= en
screenshots: install-test system-deps messages
	SCREENSHOTS_DIR=docs/screenshots SCREENSHOTS_LANGUAGE=$(SCREENSHOTS_LANGUAGE) $(VENV)/bin/pytest tests/e2e/test_screenshots.py tests/e2e/test_backoffice.py -q

# Collect the translatable strings of the sources into locale/{kk,ru,en} (then translate the new ones in kk and ru).
# tests/test_translations.py runs the same command into a temporary folder and fails on any string missing here.
MAKEMESSAGES := makemessages -l kk -l ru -l en --ignore=.venv --ignore=tests --ignore=bench --ignore=docs --ignore=devtools --add-location=file --no-obsolete
makemessages: $(VENV)/.installed
	$(PY) manage.py $(MAKEMESSAGES)

# A synthetic national-scale population on PostgreSQL (DATABASE_URL), e.g. `make seed-bulk PERSONS=1000000`:
# persons, dwellings, owners, registrations and a history of cases, loaded with COPY. Each run adds PERSONS more.
PERSONS ?= 100000
seed-bulk: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(PY) manage.py seed_bulk --persons $(PERSONS)

# The .po files are the source; the compiled .mo files are built here, not committed.
messages: $(VENV)/.installed
	if [ -d locale ]; then $(PY) manage.py compilemessages --ignore=.venv -v 0; fi

# The full load run (bench/load.py: 2,000 requests by 8 owners and 4 operators against gunicorn on PostgreSQL, then
# check_register and verify_register) and the fault tests alone (a killed worker, the database cut mid-request).
LOAD_REQUESTS ?= 2000
LOAD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/dereg_ci
load: install-test
	$(PY) bench/load.py --requests $(LOAD_REQUESTS)

faults: install-test
	DATABASE_URL=$(LOAD_DATABASE_URL) $(VENV)/bin/pytest -m "faults or load" tests/reliability -q

# The request hot paths under gunicorn as in production, each beside its baseline, then bench_eds, bench_slip and
# bench_scale (docs/benchmarks.md). Needs PostgreSQL (BENCH_DATABASE_URL, default dereg_bench on 127.0.0.1; the
# database is made afresh). `make bench BENCH_ARGS=--quick` takes about 2 minutes.
bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache .ruff_cache
