# Set-up is two commands: `make run` and `make test`. `make help` lists every target.
PYTHON ?= $(shell command -v python3.13 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
WORKERS ?= 3
SERVE_STAMP := $(VENV)/.installed-serve
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: help run serve test test-fast lint fmt migrate bench faults clean

## help: list the targets
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("Python 3.12 or newer is required") if sys.version_info < (3, 12) else None'
	$(PYTHON) -m venv $(VENV)

# What serving needs (make run, make serve), and on top of it what the tests and tools need.
$(SERVE_STAMP): $(BIN)/python requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(SERVE_STAMP)

$(STAMP): $(SERVE_STAMP) requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

# Test-only tools from npm: axe-core, the W3C Nu HTML Checker (needs Java) and TimelineJS.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

## migrate: create or update the database (SQLite in db.sqlite3, or the one DATABASE_URL names)
migrate: $(SERVE_STAMP)
	$(BIN)/python manage.py migrate --noinput

## run: create .venv, install, migrate, load the curated data into a new database, serve on 127.0.0.1:8000 (PORT=...)
run: migrate
	$(BIN)/python manage.py load_curated
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The production configuration, served over plain HTTP on this machine only.
SECRET_KEY_FILE := .secret_key
PRODUCTION := DJANGO_DEBUG=0 DJANGO_HTTPS=0 DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost \
	DJANGO_SITE_URL=http://127.0.0.1:$(PORT) DJANGO_SECRET_KEY="$$(cat $(SECRET_KEY_FILE))"

$(SECRET_KEY_FILE):
	$(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $(SECRET_KEY_FILE)

## serve: the production configuration: debug off, collectstatic (hashed, compressed), gunicorn on 127.0.0.1:8000
serve: migrate $(SECRET_KEY_FILE)
	$(BIN)/python manage.py load_curated
	$(PRODUCTION) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(PRODUCTION) $(BIN)/gunicorn timeline.wsgi --bind 127.0.0.1:$(PORT) --workers $(WORKERS) --access-logfile -

## test: the whole suite, browser and HTML-checker tests included (they need Chromium, Java and npm: see README)
test: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest

## test-fast: everything but the browser and HTML-checker tests: needs only Python
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not browser"

## bench: timings over HTTP against gunicorn at 1,000 and 100,000 events (see README)
bench: $(STAMP)
	bench/run.sh

## faults: hostile input and failing services against gunicorn, loopback only (see README); QUICK=1 sends fewer requests
faults: $(STAMP)
	$(BIN)/python bench/faults.py $(if $(QUICK),--quick) $(FAULTS_FLAGS)

## lint: ruff, and a check that no model change lacks its migration
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

## fmt: let ruff fix and format the code
fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## clean: remove .venv, node_modules and build output (not the database)
clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache .ruff_cache
