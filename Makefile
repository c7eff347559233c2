# 民政综合业务平台 — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev lint migrate demo messages bench clean

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Set up everything on a fresh machine and start the platform with demo data.
run: export MINZHENG_DEMO = 1
run: export SECURE_COOKIES = 0
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py seed_demo --if-empty
	MINZHENG_HOST=$(HOST) MINZHENG_PORT=$(PORT) $(PY) manage.py seed_demo --print-logins
	$(PY) manage.py runserver $(HOST):$(PORT) --noreload

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Lint, migration check and the whole test suite (DATABASE_URL selects PostgreSQL).
test: export MINZHENG_TESTING = 1
test: install-dev lint
	$(PY) manage.py makemigrations --check --dry-run --settings=minzheng.test_settings
	$(PY) -m pytest $(PYTEST_ARGS)

# Re-extract both catalogs (then translate what is new in en/django.po) and compile them.
messages: export MINZHENG_TESTING = 1
messages: install-dev
	cd minzheng && ../$(PY) ../manage.py makemessages -l zh_Hans -l en --no-obsolete && ../$(PY) ../manage.py compilemessages

bench: install-dev
	$(PY) manage.py bench registry_search --size $${SIZE:-1000000}

clean:
	rm -rf $(VENV) var
