# Shoken: `make run` and `make test` bootstrap everything from a fresh clone.
# Needs only Python 3.11+ and Node 20+ (and root/sudo once, for Debian's Chromium).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.installed
# Slither pins web3<8 (the platform pins web3 8): its own environment, requirements-slither.txt.
SLITHER_VENV := .venv-slither
SLITHER_STAMP := $(SLITHER_VENV)/.installed
NODE_STAMP := node_modules/.installed
VENDOR_STAMP := static/vendor/.copied
PO_FILES := $(wildcard locale/*/LC_MESSAGES/*.po */locale/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)
DEV := DJANGO_SETTINGS_MODULE=config.settings.dev
TEST := DJANGO_SETTINGS_MODULE=config.settings.test

.PHONY: run test bootstrap services migrate demo stop lint contracts contracts-check forge-test slither soak bench-gas chaos bench-mirror bench-distribution bench-reconcile bench-captable system-packages

run: bootstrap
	$(DEV) $(PY) manage.py demo_data
	@echo "Shoken is starting on http://127.0.0.1:$${WEB_PORT:-8000}  (Ctrl-C stops everything)"
	$(DEV) $(VENV)/bin/honcho start -f Procfile

test: bootstrap lint system-packages contracts-check forge-test slither
	$(TEST) $(PY) -m pytest

contracts: $(NODE_STAMP)
	node platform/tools/build.mjs

contracts-check: $(NODE_STAMP)
	node platform/tools/build.mjs --check

forge-test: $(NODE_STAMP)
	cd platform && ../node_modules/.bin/forge test

# Static analysis of platform/src; fails on any high or medium finding (platform/README.md).
slither: $(SLITHER_STAMP) $(NODE_STAMP)
	$(SLITHER_VENV)/bin/python platform/tools/slither.py

# The randomized tests at length (README "Soak"): the forge invariant tests and the register's
# stateful test at SOAK_EXAMPLES runs/examples each, under one seed, printed (SOAK_SEED=<n> replays).
SOAK_EXAMPLES ?= 1000
soak: bootstrap
	@seed=$${SOAK_SEED:-$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}; \
	echo "soak: SOAK_SEED=$$seed SOAK_EXAMPLES=$(SOAK_EXAMPLES)"; \
	(cd platform && FOUNDRY_INVARIANT_RUNS=$(SOAK_EXAMPLES) ../node_modules/.bin/forge test \
		--match-path 'test/invariant/*' --fuzz-seed $$seed) && \
	SOAK_SEED=$$seed SOAK_EXAMPLES=$(SOAK_EXAMPLES) $(TEST) $(PY) -m pytest -p no:cacheprovider -s -q \
		ledger/tests/test_register_stateful.py; \
	status=$$?; echo "soak: SOAK_SEED=$$seed exit $$status"; exit $$status

bench-gas: $(VENV_STAMP) $(NODE_STAMP)
	$(PY) bench/gas_bench.py

chaos: bootstrap
	$(TEST) $(PY) bench/chaos.py

bench-mirror: bootstrap
	$(TEST) $(PY) bench/bench_mirror.py

# A coupon to 10,000 holders (BENCH_HOLDERS): record close + entitlements time, batchPay gas per
# holder against a plain cash-token transfer (bench/distribution.py). Not part of `make test`.
bench-distribution: bootstrap
	$(TEST) $(PY) bench/distribution.py

# Reconciliation at 100,000 holders (BENCH_HOLDERS): full, incremental after 1,000 transfers, and
# two eth_calls per wallet on a sample, scaled (bench/reconcile.py). Not part of `make test`.
bench-reconcile: bootstrap
	$(TEST) $(PY) bench/reconcile.py

# The cap table at 100,000 holders (BENCH_HOLDERS), no chain: page and API p95 over random sorts,
# searches and cursors, queries per page, the streamed CSV, the as-of snapshot (bench/captable.py).
bench-captable: bootstrap
	$(TEST) $(PY) bench/captable.py

bootstrap: $(VENV_STAMP) $(NODE_STAMP) $(VENDOR_STAMP) $(MO_FILES) services migrate

$(VENV_STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(SLITHER_STAMP): requirements-slither.txt
	test -x $(SLITHER_VENV)/bin/python || $(PYTHON) -m venv $(SLITHER_VENV)
	$(SLITHER_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-slither.txt
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR_STAMP): $(NODE_STAMP) scripts/vendor_assets.py
	$(PY) scripts/vendor_assets.py
	touch $@

%.mo: %.po $(VENV_STAMP)
	$(PY) scripts/compile_messages.py

services: $(VENV_STAMP)
	$(PY) scripts/devservices.py up

migrate: services
	$(DEV) $(PY) manage.py migrate --noinput -v 0

demo: bootstrap
	$(DEV) $(PY) manage.py demo_data

stop:
	$(PY) scripts/devservices.py down

system-packages:
	./scripts/ensure_system_packages.sh

lint: $(VENV_STAMP)
	$(VENV)/bin/ruff check .
