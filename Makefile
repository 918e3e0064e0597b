# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Debian packages: WeasyPrint's Pango and HarfBuzz (libharfbuzz-subset0 makes it ~3x faster), poppler-utils for
# pdftoppm, gettext for the translations, chromium for the browser tests.
APT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils gettext chromium
PYTEST_ARGS ?=

.PHONY: run test install install-test system-deps lint migrate seed seed-bulk messages makemessages clean screenshots

run: install messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

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

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache .ruff_cache
