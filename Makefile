# One file of commands for people and CI alike. Every target builds its own virtual
# environment in .venv from pyproject.toml the first time (and again when it changes).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PROGRAMME := config/programmes/cjji-2021-23.yaml
PYTEST_ARGS ?=

.PHONY: run test check lint format bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing cjji-workflow and its tools into $(VENV) (first run only)…"
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

## run: the engine on the embedded default (SQLite under var/): migrate, import, show
run: $(STAMP)
	$(BIN)/cjji db upgrade
	$(BIN)/cjji programme import $(PROGRAMME)
	$(BIN)/cjji streams list

## lint: ruff, the formatter's check, mypy --strict and the domain purity contract
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy workflow tasks config tests bench
	$(BIN)/lint-imports

## test: every check and every test (PostgreSQL and Redis on 127.0.0.1 are used)
test: lint
	$(BIN)/pytest $(PYTEST_ARGS)

check: test

## format: rewrite the code in the project's style
format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## bench: the benchmarks in bench/ against their raw baselines
bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache .hypothesis
