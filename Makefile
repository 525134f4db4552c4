# Mahalleh: `make run` serves the demo, `make test` runs every check.
PYTHON ?= python3.11
VENV   ?= .venv
PY      = $(VENV)/bin/python
MANAGE  = $(PY) -m mahalleh.cli

.PHONY: run test lint bench install install-dev messages clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(MANAGE) migrate --noinput -v0
	$(MANAGE) collectstatic --noinput -v0
	$(MANAGE) demo --quiet
	$(MANAGE) serve --logins

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

test: install-dev lint
	$(MANAGE) makemigrations --check --dry-run
	@echo "== pytest on SQLite =="
	$(PY) -m pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== pytest on PostgreSQL ($$TEST_DATABASE_URL) =="; \
		DATABASE_URL="$$TEST_DATABASE_URL" $(PY) -m pytest; \
	else \
		echo "TEST_DATABASE_URL is not set: the PostgreSQL run is skipped (CI sets it)."; \
	fi

bench: install-dev
	$(PY) -m bench

# Rebuild the compiled translations after editing mahalleh/locale/*/LC_MESSAGES/django.po
messages: install-dev
	cd mahalleh && ../$(MANAGE) compilemessages -v0

clean:
	rm -rf $(VENV) var/static .pytest_cache .ruff_cache
