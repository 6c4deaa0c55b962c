# One file of commands for people and CI alike. Every target builds its own virtual
# environment in .venv from the lock file the first time (and again when it or
# pyproject.toml changes). After changing pyproject.toml's dependencies: `make lock`.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
LOCK   := requirements-dev.lock
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | cksum | cut -d' ' -f1)
PROGRAMME := config/programmes/cjji-2021-23.yaml
PYTEST_ARGS ?=
# Some machines set PYTHONDONTWRITEBYTECODE: every process (each xdist worker, Celery
# worker and `cjji` process the tests start) would then compile every module it imports
# from source, every time. make's commands write and reuse the bytecode as usual.
unexport PYTHONDONTWRITEBYTECODE
# mypy's cache lives outside the clone, so that a fresh clone on a machine that has run
# the checks before re-checks only what differs (mypy checks each cached module against
# its source's hash; without it, mypy --strict takes half a minute of a core, mostly on the
# libraries' stubs). MYPY_CACHE_DIR=.mypy_cache keeps it in the clone.
export MYPY_CACHE_DIR ?= $(HOME)/.cache/cjji-workflow/mypy
# Three pytest-xdist workers on the CI machine's two cores (many tests wait on workers,
# brokers and timers: with two, a seventh of the CPU stood idle) and the coverage gate:
# the figure measured on the full suite, rounded down (docs/testing.md).
PYTEST_WORKERS ?= 3
COVERAGE_MIN ?= 93
PYTEST_RUN := -n $(PYTEST_WORKERS) --dist worksteal --durations=15 \
	--cov=workflow --cov=tasks --cov-report=term-missing:skip-covered \
	--cov-fail-under=$(COVERAGE_MIN)

.PHONY: run test test-fast check lint format bench clean browser govuk-assets lock

# pip installs uv (pinned, with its hashes, in requirements-bootstrap.lock), and uv installs
# the lock: the same packages and hashes as pip would, in a quarter of the time.
$(STAMP): pyproject.toml $(LOCK) requirements-bootstrap.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing cjji-workflow and its tools into $(VENV) from $(LOCK) (first run only)…"
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
	  -r requirements-bootstrap.lock
	@$(BIN)/uv pip install --quiet --python $(BIN)/python --require-hashes --compile-bytecode \
	  -r $(LOCK)
	@$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@rm -f $(VENV)/.installed-* && touch $@

## lock: pin every dependency, with hashes, after a change to pyproject.toml's lists
## (requirements-dev.lock for make and CI, requirements.lock for the Docker image,
## requirements-bootstrap.lock for uv, which installs the first)
lock: $(STAMP)
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links --extra dev \
	  -o requirements-dev.lock pyproject.toml
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links \
	  -o requirements.lock pyproject.toml
	echo "uv==$$($(BIN)/uv --version | cut -d' ' -f2)" | $(BIN)/pip-compile --quiet --generate-hashes \
	  --strip-extras --no-emit-index-url --no-emit-find-links -o requirements-bootstrap.lock -

## run: the engine on the embedded default (SQLite under var/): migrate, import, show, and
## serve the web pages and API (it prints the address and the demo sign-in; Ctrl-C stops)
run: $(STAMP)
	$(BIN)/cjji run

## lint: ruff, the formatter's check, mypy --strict and the domain purity contract
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy workflow tasks config tests bench
	$(BIN)/lint-imports

## test: every check (ruff, the format check, lint-imports, and mypy --strict beside the
## tests), and every test on three xdist workers with coverage measured and gated
## (PostgreSQL and Redis on 127.0.0.1 are used)
test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	@# mypy --strict (half a minute of one core with no cache, as on a fresh clone) runs
	@# beside the tests, niced so that it takes what they leave; its report follows
	@# theirs, and a type error fails the run as a failed test does.
	@echo "mypy --strict runs beside the tests; its report follows theirs."
	@nice -n 10 $(BIN)/mypy workflow tasks config tests bench > $(VENV)/mypy.log 2>&1 & mypy=$$!; \
	$(BIN)/pytest $(PYTEST_RUN) $(PYTEST_ARGS); tests=$$?; \
	wait $$mypy; typed=$$?; echo "mypy --strict workflow tasks config tests bench:"; \
	cat $(VENV)/mypy.log; test $$tests -eq 0 && test $$typed -eq 0

## test-fast: the unit tests alone (no services, a few seconds)
test-fast: $(STAMP)
	$(BIN)/pytest -q tests/unit $(PYTEST_ARGS)

## browser: Debian's Chromium for the browser tests; nothing to do when it is installed
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the browser tests…"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "$(CHROMIUM) is missing: install Debian's chromium package (as root: apt-get install chromium)"; \
	  fi; \
	fi

## govuk-assets: fetch GOV.UK Frontend again (npm pack) into workflow/web/static/govuk
GOVUK_FRONTEND ?= 6.3.0
govuk-assets:
	@tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent govuk-frontend@$(GOVUK_FRONTEND) >/dev/null \
	  && tar xzf govuk-frontend-$(GOVUK_FRONTEND).tgz && cd - >/dev/null \
	  && dest=workflow/web/static/govuk && src=$$tmp/package/dist/govuk \
	  && cp $$src/govuk-frontend.min.css $$src/govuk-frontend.min.js $$dest/ \
	  && rm -rf $$dest/assets/images && cp -r $$src/assets/images $$dest/assets/ \
	  && cp $$src/assets/manifest.json $$dest/assets/ \
	  && rm -f $$dest/assets/images/govuk-opengraph-image.png && rm -rf $$tmp \
	  && echo "GOV.UK Frontend $(GOVUK_FRONTEND) copied into $$dest"

check: test

## format: rewrite the code in the project's style
format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## bench: the benchmarks in bench/ against their raw baselines
bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache .hypothesis .coverage .coverage.*
