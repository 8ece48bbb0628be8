# Accord: the two commands of the README, and a few helpers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
AXE := var/npm/node_modules/axe-core/axe.min.js
AXE_VERSION := 4.11.4

.PHONY: demo test serve lint lint-fix typecheck bench load load-ci browser-deps axe-core clean

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Accord needs Python 3.11 or newer; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $(STAMP)

## demo: set up everything (venv, install, migrate SQLite under var/, demo data) and serve on 127.0.0.1:8000
demo: $(STAMP)
	$(BIN)/accord demo

## test: the whole suite (browser tests run when Chromium is installed; CI makes them required),
## one pytest worker per core (pytest-xdist; TEST_WORKERS=0 runs in one process); each worker
## takes the next whole test file in collection order, the longest files first (conftest.py
## SLOW_FIRST; xdist would otherwise start the files with most tests first)
TEST_WORKERS ?= auto
test: $(STAMP) axe-core
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=30

serve: $(STAMP)
	$(BIN)/accord serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## typecheck: mypy with django-stubs (strict for accord/core and the sharing policy); cache in var/
typecheck: $(STAMP)
	$(BIN)/mypy

lint-fix: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

## axe-core: the accessibility checker of the browser tests, from npm into var/npm (as CI does);
## without npm it says so and the browser tests skip, naming this command
axe-core:
	@if [ -f $(AXE) ]; then :; \
	elif command -v npm >/dev/null 2>&1; then \
		mkdir -p var/npm && npm install --no-save --no-audit --no-fund --silent --prefix var/npm axe-core@$(AXE_VERSION) \
		|| echo "axe-core could not be installed; the browser tests will be skipped"; \
	else echo "npm not found: the browser tests will be skipped (install npm, then: make axe-core)"; fi

## browser-deps: Debian's Chromium and axe-core for the browser tests (needs root and apt)
browser-deps:
	apt-get update -qq && apt-get install -y -qq chromium
	npm install --no-save --no-audit --no-fund --prefix var/npm axe-core@$(AXE_VERSION)

clean:
	rm -rf $(VENV) var

## load: the load test (locust): SQLite 1 process, PostgreSQL 1, 2 and 4 processes; LOAD_ARGS="--cases 100000"
load: $(STAMP)
	$(BIN)/python bench/load/run.py $(LOAD_ARGS)

## load-ci: 30 s, 10 users, PostgreSQL, 2 processes, 1,000 cases; fails on any error response
load-ci: $(STAMP)
	$(BIN)/python bench/load/run.py --ci
