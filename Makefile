# On a fresh machine: `make run` (the app with demo data) and `make test` (the test suite).
# Both set up what they need: .venv, PostgreSQL and Redis (scripts/services.sh), the browser for tests.
# Use existing servers with DATABASE_URL=... REDIS_URL=... make run.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
# The interpreter .venv is made from: the system's python3 when it is 3.11 or newer and can make a venv (Debian
# builds it with profile-guided and link-time optimisation: here it runs pure-Python code about twice as fast
# as a plain source build, and the API takes about 1.5 times as many orders a second), else python3 from PATH.
# Override with PYTHON=/path/to/python3.
PYTHON ?= $(shell for p in /usr/bin/python3 python3; do "$$p" -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { command -v "$$p"; break; }; done)
real_path = import os, sys; print(os.path.realpath(getattr(sys, "_base_executable", sys.executable)))
STAMP := $(VENV)/.installed
MANAGE := $(PY) manage.py
# Loads the URLs written by scripts/services.sh, if it has run yet; values already in the environment win.
# Expanded inside each recipe line, so it sees a file written earlier in the same make run.
LOAD_ENV := set -a; if [ -f ./.services.env ]; then . ./.services.env; fi; set +a;

.PHONY: help venv services browser migrate demo run test check-deploy sandbox amazon shopify

help:
	@echo "make run           set everything up, migrate, seed the demo and start web, worker and beat"
	@echo "make test          set everything up and run pytest (extra arguments: PYTEST_ARGS='-k name')"
	@echo "make venv          create .venv and install the project with its dev extras"
	@echo "make services      make PostgreSQL and Redis reachable; writes .services.env"
	@echo "make browser       install Debian's chromium for the browser tests"
	@echo "make migrate       migrate the public schema, then every organization's schema"
	@echo "make demo          create the demo organization and its logins (idempotent)"
	@echo "make sandbox       start the sandbox marketplace on 127.0.0.1:$${SANDBOX_PORT:-8765}"
	@echo "make amazon        start the Amazon SP-API emulator on 127.0.0.1:$${AMAZON_EMULATOR_PORT:-8767}"
	@echo "make shopify       start the Shopify emulator on 127.0.0.1:$${SHOPIFY_EMULATOR_PORT:-8766}"
	@echo "make check-deploy  manage.py check --deploy with production settings; fails on any warning"

# A virtualenv that was moved keeps its old paths in its scripts: recreate it, never move it.
venv:
	@if [ -z "$(PYTHON)" ]; then echo "venv: no Python 3.11 or newer that can make a venv (install python3-venv, or set PYTHON=...)" >&2; exit 1; fi
	@if ! $(PY) -c '' 2>/dev/null || ! head -n1 $(VENV)/bin/pip 2>/dev/null | grep -q '^#!$(CURDIR)/$(VENV)/bin/python' \
		|| [ "$$($(PY) -c '$(real_path)')" != "$$($(PYTHON) -c '$(real_path)')" ]; then \
		echo "venv: creating $(VENV) with $(PYTHON)"; rm -rf $(VENV); $(PYTHON) -m venv $(VENV); \
	fi
	@if [ ! -f $(STAMP) ] || [ pyproject.toml -nt $(STAMP) ]; then \
		echo "venv: pip install -e '.[dev]'"; \
		$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'; \
		touch $(STAMP); \
	else \
		echo "venv: up to date"; \
	fi

services:
	@scripts/services.sh

browser:
	@if [ -x /usr/bin/chromium ]; then \
		echo "browser: /usr/bin/chromium is there"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "browser: installing Debian's chromium with apt-get"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
			|| echo "browser: apt-get could not install chromium; browser tests need /usr/bin/chromium"; \
	else \
		echo "browser: /usr/bin/chromium is missing and cannot be installed without root and apt-get; browser tests need it"; \
	fi

migrate: venv services
	@$(LOAD_ENV) $(MANAGE) migrate_schemas --shared
	@$(LOAD_ENV) $(MANAGE) migrate_schemas --tenant

demo: migrate
	@$(LOAD_ENV) $(MANAGE) seed_demo

run: venv services migrate demo
	@echo
	@echo "  Public site:          http://localhost:8000/"
	@echo "  Demo organization:    http://demo.localhost:8000/"
	@echo "  (web, worker, beat, the sandbox marketplace and the Shopify and Amazon emulators start now; Ctrl-C stops all)"
	@echo
	@$(LOAD_ENV) export PATH="$(CURDIR)/$(VENV)/bin:$$PATH"; exec honcho start -f Procfile

test: venv services browser
	@$(LOAD_ENV) $(VENV)/bin/pytest $(PYTEST_ARGS)

check-deploy: venv
	@$(LOAD_ENV) DJANGO_SETTINGS_MODULE=oms.settings.production ALLOWED_HOSTS=oms.example.com \
		SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
		$(MANAGE) check --deploy --fail-level WARNING

# The sandbox marketplace (sandbox/server.py): a channel to connect to locally and in tests.
sandbox: venv
	$(PY) -m sandbox.server --port $${SANDBOX_PORT:-8765}

# The Amazon Selling Partner API emulator (sandbox/amazon.py): the demo's Amazon channel talks to it.
amazon: venv
	$(PY) -m sandbox.amazon --port $${AMAZON_EMULATOR_PORT:-8767}
# The Shopify emulator (sandbox/shopify.py): the Admin GraphQL API subset the Shopify connector speaks.
shopify: venv
	$(PY) -m sandbox.shopify --port $${SHOPIFY_EMULATOR_PORT:-8766}
