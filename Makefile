# Set-up is two commands: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.13 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: run serve test lint fmt migrate bench clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("Python 3.12 or newer is required") if sys.version_info < (3, 12) else None'
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

# Test-only tools from npm: axe-core and the W3C Nu HTML Checker (needs Java).
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable

## run: create .venv, install, migrate, load the curated data into a new database, serve on 127.0.0.1:$(PORT)
run: migrate
	$(BIN)/python manage.py load_curated
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The production configuration, served over plain HTTP on this machine only.
SECRET_KEY_FILE := .secret_key
PRODUCTION := DJANGO_DEBUG=0 DJANGO_HTTPS=0 DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost \
	DJANGO_SECRET_KEY="$$(cat $(SECRET_KEY_FILE))"

$(SECRET_KEY_FILE):
	$(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $(SECRET_KEY_FILE)

## serve: debug off, collectstatic (hashed, compressed), gunicorn on 127.0.0.1:$(PORT)
serve: migrate $(SECRET_KEY_FILE)
	$(BIN)/python manage.py load_curated
	$(PRODUCTION) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(PRODUCTION) $(BIN)/gunicorn timeline.wsgi --bind 127.0.0.1:$(PORT) --workers $(WORKERS) --access-logfile -

WORKERS ?= 3

## bench: timings at 1,000, 10,000 and 100,000 events, then gunicorn under load (see README)
bench: $(STAMP)
	bench/run.sh

## test: the whole suite, browser tests included (they need Chromium, Java and npm: see README)
test: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache .ruff_cache
