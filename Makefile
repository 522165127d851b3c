# The few commands people need. `make demo` serves a seeded demo at http://127.0.0.1:8000;
# `make test` runs the whole suite (SQLite); `make test-pg` the same on PostgreSQL; `make lint` the checks.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
# pip install runs again only when pyproject.toml is newer than this stamp.
STAMP := $(VENV)/.installed
HOST_PORT ?= 127.0.0.1:8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
# The server `make fuzz` creates its own database fuzz_<pid> on (and drops it afterwards).
PG_SERVER ?= postgres://postgres@127.0.0.1:5432
# e.g. FUZZ_ARGS="--max-examples 200" for a deeper run, "--keep-db" to look at the data afterwards
FUZZ_ARGS ?=

# The newest python >= 3.11 on PATH (a pyenv shim that is not installed fails the check and is skipped).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	if $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then echo $$p; break; fi; done)

.PHONY: help demo serve test test-pg lint fuzz venv chromium pdf-libs clean-venv

help:
	@echo "make demo     set up everything, seed demo data, serve http://$(HOST_PORT)"
	@echo "make test     run the whole test suite (SQLite)"
	@echo "make test-pg  run the whole test suite on PostgreSQL ($(PG_URL))"
	@echo "make lint     ruff check, ruff format --check, mypy, lint-imports"
	@echo "make fuzz     schemathesis against every API operation on a fresh PostgreSQL database ($(PG_SERVER))"

$(BIN)/python:
	@if [ -z "$(PYTHON)" ]; then echo "error: Python >= 3.11 is required (python3.13, python3.12, python3.11 or python3)" >&2; exit 1; fi
	@echo "creating $(VENV) with $(PYTHON) ($$($(PYTHON) --version))"
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check --quiet --upgrade pip
	$(BIN)/python -m pip install --disable-pip-version-check -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP)

# Issued documents (决定书, 回执) are rendered to PDF by WeasyPrint on Debian's pango, with the CJK font
# fonts-wqy-microhei; install them when possible, otherwise say what is missing.
PDF_PACKAGES = libpango-1.0-0 libpangoft2-1.0-0 fonts-wqy-microhei
pdf-libs:
	@missing=""; for p in $(PDF_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing$$missing with apt-get"; \
			apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
		else \
			echo "error: missing$$missing; run as root: apt-get install -y$$missing" >&2; \
			exit 1; \
		fi; \
	fi

# The browser tests drive Debian's chromium and the Spark tests need Java; install them when possible,
# otherwise say what is missing.
chromium: pdf-libs
	@if ! command -v java >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q default-jre-headless; \
		else \
			echo "error: java is missing; run as root: apt-get install -y default-jre-headless" >&2; \
			exit 1; \
		fi; \
	fi
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing chromium and CJK fonts with apt-get"; \
			apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-wqy-microhei; \
		else \
			echo "error: /usr/bin/chromium is missing; run as root: apt-get install -y chromium fonts-wqy-microhei" >&2; \
			exit 1; \
		fi; \
	fi

demo: export DAJIUZHU_DEBUG = true
demo: $(STAMP) pdf-libs
	$(BIN)/dajiuzhu migrate --noinput
	$(BIN)/dajiuzhu collectstatic --noinput --verbosity 0
	$(BIN)/dajiuzhu demo_setup
	$(BIN)/dajiuzhu assess --user county --if-none
	$(BIN)/dajiuzhu intake_demo
	$(BIN)/dajiuzhu monitoring_demo
	$(BIN)/dajiuzhu payments_demo
	$(BIN)/dajiuzhu eldercare_demo
	@$(MAKE) --no-print-directory serve

# The web server in the foreground, the task worker in the background; Ctrl-C stops both.
serve: export DAJIUZHU_DEBUG = true
serve: $(STAMP)
	@echo "serving http://$(HOST_PORT) (Ctrl-C to stop)"
	@$(BIN)/dajiuzhu db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	$(BIN)/dajiuzhu runserver $(HOST_PORT)

test: $(STAMP) chromium
	$(BIN)/pytest

test-pg: $(STAMP) chromium
	@pg_isready -q -h 127.0.0.1 -p 5432 || { echo "error: PostgreSQL is not accepting connections on 127.0.0.1:5432" >&2; exit 1; }
	DATABASE_URL=$(PG_URL) $(BIN)/pytest

# Zero 5xx and zero schema violations: schemathesis against every operation of the OpenAPI, as a county
# and as a village user, on a seeded PostgreSQL database served by gunicorn (scripts/fuzz_api.py).
fuzz: $(STAMP)
	@pg_isready -q -h 127.0.0.1 -p 5432 || { echo "error: PostgreSQL is not accepting connections on 127.0.0.1:5432" >&2; exit 1; }
	$(BIN)/python scripts/fuzz_api.py --pg $(PG_SERVER) $(FUZZ_ARGS)

# Runs every check and fails at the end if any failed, so one run shows all findings.
lint: $(STAMP)
	@status=0; \
	echo "--- ruff check"; $(BIN)/ruff check . || status=1; \
	echo "--- ruff format --check"; $(BIN)/ruff format --check . || status=1; \
	echo "--- mypy"; $(BIN)/mypy dajiuzhu config || status=1; \
	echo "--- lint-imports"; $(BIN)/lint-imports || status=1; \
	exit $$status

clean-venv:
	rm -rf $(VENV)
