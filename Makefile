# treasury-leverage: run `make help` for the targets.
# `make report` and `make test` work on a fresh clone: they create .venv and install first.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help install data report preview test bench lint clean

help: ## Show the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-z-]*:.*## / {printf "  make %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	# the package's bytecode, written once here (pip does it for the libraries): where
	# PYTHONDONTWRITEBYTECODE is set, as in many containers, no command then compiles it again
	$(BIN)/python -m compileall -q model
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the tool (idempotent)

data: $(STAMP) ## Pull the live data (TIC tables, FRED series) into data/cache
	$(BIN)/tlrisk data pull

# SCENARIOS=dir runs another folder of scenario files (default: scenarios/)
SCENARIO_ARGS = $(if $(SCENARIOS),--scenarios "$(SCENARIOS)")

report: $(STAMP) ## Write reports/output/report.html and report.pdf (offline; SCENARIOS=dir for another folder)
	$(BIN)/tlrisk report --offline $(SCENARIO_ARGS)

preview: $(STAMP) ## The report without a new PDF (a quick look after editing a scenario; SCENARIOS=dir too)
	$(BIN)/tlrisk report --offline --no-pdf $(SCENARIO_ARGS)

test: $(STAMP) ## Run the test suite (no network needed)
	$(BIN)/python -m pytest -q -n auto

bench: $(STAMP) ## Import floor, cold and warm report, Monte Carlo 1e4-1e6 draws x 60-240 months (reports/bench.json)
	$(BIN)/python -m model.bench

lint: $(STAMP) ## Check the code with ruff
	$(BIN)/ruff check model tests

clean: ## Remove .venv, caches and report output (keeps the shipped snapshot)
	rm -rf $(VENV) data/cache reports/output .pytest_cache .ruff_cache .hypothesis build *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
