# Followthrough: `make run` sets up and starts everything on the embedded default; `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# pytest-xdist workers; the CI machine has two cores.
PYTEST_WORKERS ?= 2

.PHONY: install assets run migrate demo test lint audit format bench loadtest ci clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Followthrough needs Python 3.11+; try: make PYTHON=python3.11 ..." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-dev: requirements-dev.lock | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	touch $@

install: $(VENV)/.installed-dev assets

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# Front-end libraries come from npm by exact version and are served from our own static files.
assets: node_modules/.package-lock.json
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
	cp node_modules/@picocss/pico/css/pico.min.css static/vendor/pico.min.css
	cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/dist/chart.umd.min.js.map static/vendor/

# The embedded default: debug on, SQLite and the filesystem Celery broker under var/, unless the
# shell already sets DATABASE_URL / REDIS_URL. (Target-specific exports reach the prerequisites.)
run migrate demo: export DJANGO_DEBUG ?= 1

migrate: install
	mkdir -p var/broker var/broker-processed var/broker-control
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo --if-empty

# Web + worker + beat under honcho. `-e /dev/null`: .env belongs to docker compose; reading it
# here would run web and worker against a different database than the one just migrated.
run: demo
	$(BIN)/honcho start -f Procfile -e /dev/null

# Test settings are forced: a DJANGO_SETTINGS_MODULE left in the shell must not win over them.
# pytest exits 5 when it collected nothing; that is a broken selection, never a pass.
test: install
	@rc=0; DJANGO_SETTINGS_MODULE=config.test_settings $(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests (exit 5); check tests/ and PYTEST_ARGS" >&2; fi; \
	exit $$rc

# ruff's rules include its security ones (S); bandit reads the product code (pyproject's
# [tool.bandit]); each waiver is a `# nosec BXXX  # why` comment.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -c pyproject.toml -r . -q
	DJANGO_SETTINGS_MODULE=config.test_settings $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python .ci/check_env_example.py

# Known vulnerabilities in the locked dependencies. Needs the advisory source (network): when it
# cannot be reached the target says "advisory source unreachable: NOT audited" and fails.
audit: install
	$(BIN)/python .ci/audit.py

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Pages timed against the scale practice on PostgreSQL: database followthrough_bench on 127.0.0.1
# unless DATABASE_URL is set. Created if missing, migrated, loaded once (later runs reuse it; add
# --force to BENCH_SEED_ARGS to rebuild), then measured into var/bench.json; then the spreadsheet
# import of 100,000 patients, rolled back (var/bench-imports.json); then the same cases on the
# 100k-task practice into var/bench-100k.json, and the growth x10 of every case.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/followthrough_bench
BENCH_SEED_ARGS ?= --patients 100000 --tasks 1000000
# The same cases on a practice ten times smaller, in a database of its own (loaded once too), for
# each case's growth x10: its p95 at 1M tasks over its p95 at 100k (var/bench-growth.json).
BENCH_100K_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/followthrough_bench_100k
BENCH_100K_SEED_ARGS ?= --patients 10000 --tasks 100000
BENCH_VAR := $(or $(FOLLOWTHROUGH_VAR_DIR),var)
bench: export DATABASE_URL ?= $(BENCH_DATABASE_URL)
bench: export DJANGO_SETTINGS_MODULE = config.test_settings
bench: install
	$(BIN)/python manage.py ensure_database
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_scale $(BENCH_SEED_ARGS)
	$(BIN)/python manage.py bench $(BENCH_ARGS)
	$(BIN)/python manage.py bench_imports
	DATABASE_URL=$(BENCH_100K_DATABASE_URL) $(BIN)/python manage.py ensure_database
	DATABASE_URL=$(BENCH_100K_DATABASE_URL) $(BIN)/python manage.py migrate --noinput
	DATABASE_URL=$(BENCH_100K_DATABASE_URL) $(BIN)/python manage.py seed_scale $(BENCH_100K_SEED_ARGS)
	DATABASE_URL=$(BENCH_100K_DATABASE_URL) $(BIN)/python manage.py bench $(BENCH_ARGS) --json $(BENCH_VAR)/bench-100k.json
	$(BIN)/python manage.py bench_growth $(BENCH_VAR)/bench.json $(BENCH_VAR)/bench-100k.json

# Simulated staff (locust, headless) against gunicorn as in production, a Celery worker,
# PostgreSQL and Redis, on followthrough_loadtest: a copy of the bench practice (make bench loads
# it), made once and reused (LOADTEST_FRESH=1 copies it again). A stepped ramp of users; then
# every change the load test made is checked in the database. Results in var/loadtest/.
LOADTEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/followthrough_loadtest
LOADTEST_TEMPLATE ?= followthrough_bench
LOADTEST_REDIS_URL ?= redis://127.0.0.1:6379/0
LOADTEST_STEPS ?= 10,20,40,60,80
LOADTEST_STEP_SECONDS ?= 90
LOADTEST_SETTLE_SECONDS ?= 30
loadtest: install
	BIN=$(BIN) LOADTEST_DATABASE_URL=$(LOADTEST_DATABASE_URL) LOADTEST_TEMPLATE=$(LOADTEST_TEMPLATE) \
		LOADTEST_REDIS_URL=$(LOADTEST_REDIS_URL) LOADTEST_STEPS=$(LOADTEST_STEPS) \
		LOADTEST_STEP_SECONDS=$(LOADTEST_STEP_SECONDS) LOADTEST_SETTLE_SECONDS=$(LOADTEST_SETTLE_SECONDS) \
		benchmark/loadtest/run.sh

ci: lint test

clean:
	rm -rf $(VENV) node_modules static/vendor var test-artifacts
