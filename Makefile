# Mahalleh: `make run` serves the demo, `make test` runs every check.
PYTHON ?= python3.11
VENV   ?= .venv
PY      = $(VENV)/bin/python
MANAGE  = $(PY) -m mahalleh.cli

.PHONY: run test lint bench install install-dev messages clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# `make run` installs the evaluation extra too, so the demo's evaluation page works.
$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e '.[evaluation]'
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
	scripts/test_passes.sh $(PY)

bench: install-dev
	BENCH_START_REPLICA=$${BENCH_START_REPLICA:-1} $(PY) -m bench

# Rebuild the compiled translations after editing mahalleh/locale/*/LC_MESSAGES/django.po
# (the .mo files are removed first: compilemessages skips a .mo not older than its .po, and a fresh
# checkout or a merge gives both the same time)
messages: install-dev
	find mahalleh -path '*/LC_MESSAGES/django.mo' -delete
	cd mahalleh && ../$(MANAGE) compilemessages -v0

clean:
	rm -rf $(VENV) var/static .pytest_cache .ruff_cache
