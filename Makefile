# Two commands for a fresh machine (see README):  make run   ·   make test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# pyproject extras installed for `make test`: the test tools and the optional moderation
# assistant, so the README's command and CI's are the same (`make test EXTRAS=test` leaves the
# assistant out; its tests then skip, unless ENGAGE_REQUIRE_ASSIST=1 makes that a failure).
EXTRAS ?= test,assist
comma  := ,
ifeq ($(EXTRAS),test)
TEST_DEPS := $(VENV)/.test-deps
else
TEST_DEPS := $(VENV)/.deps-$(subst $(comma),-,$(EXTRAS))
endif

.PHONY: run test translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.run-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(TEST_DEPS): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[$(EXTRAS)]"
	touch $@

## run: the service on SQLite with the demo site, at http://127.0.0.1:5000/demo/
run: $(VENV)/.run-deps
	$(BIN)/engage init-db
	$(BIN)/engage demo
	$(BIN)/engage serve

# pytest-xdist workers for `make test` (auto: one per CPU; `make test PYTEST_WORKERS=0` runs in
# one process).  `--dist loadgroup` keeps each xdist_group (the browser tests, which share one
# `engage serve` and one Chromium) on one worker, in order.
PYTEST_WORKERS ?= auto

## test: the whole suite (PostgreSQL/Redis/browser parts run when their env vars are set)
test: $(TEST_DEPS)
	$(BIN)/pytest -W error -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

## translations: re-extract messages, update the English catalogue, compile it
translations: $(TEST_DEPS)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		-o engage/translations/messages.pot .
	$(BIN)/pybabel update -i engage/translations/messages.pot -d engage/translations -l en --no-fuzzy-matching
	$(BIN)/pybabel compile -d engage/translations -l en

clean:
	rm -rf $(VENV) instance .pytest_cache test-artifacts
