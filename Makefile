# The two commands: `make run` and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# pytest-xdist workers for `make test`. 0 (one process) until two workers measure as a clear,
# stable win: on the shared 2-core machine they did not (README, "The two commands").
TEST_WORKERS ?= 0

.PHONY: run test lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed-run

run: export CONFETTI_LOG_FORMAT ?= console
run: $(VENV)/.installed-run
	$(BIN)/confetti migrate
	$(BIN)/confetti demo
	exec $(BIN)/confetti serve

# --durations: every run names its 15 slowest tests, so a new slow one shows (issue 16).
test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup --durations=15

# Sizes and options for `make bench`, e.g. BENCH_ARGS="--codes 1000000 --label full".
BENCH_ARGS ?=

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench.run $(BENCH_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
