# Two commands on a fresh machine with Python 3.11+:  make demo   |   make test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test static setup bench bench-quick lint docs clean reliability

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "huzhu needs Python 3.11 or newer (set PYTHON=python3.11)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

## Build the demo database (2,000 members, user demo / passphrase demo) and open the TUI on it.
demo: $(STAMP)
	$(BIN)/huzhu demo

## Every test: the static checks first (any finding fails), then unit, property, CLI subprocess,
## TUI pilot and snapshot, layering.
test: static
	@# Byte-compiled once here: where PYTHONDONTWRITEBYTECODE is set (this CI's machines), every
	@# `python -m tui` a test starts compiled the program's sources again (~0.15 s of each start).
	$(BIN)/python -m compileall -q tui models rules sync migrations > /dev/null
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

## ruff (lint, then format check) and mypy (its scope and strictness are in pyproject.toml).
static: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

bench-quick: $(STAMP)
	$(BIN)/python bench/run_all.py --quick

## The long crash/fault/fuzz runs (1,000 random kills …); regenerates RELIABILITY.md.
reliability: $(STAMP)
	$(BIN)/python tests/reliability/report.py

lint: static
	$(BIN)/lint-imports

## docs/rules.md from rules/ (a test fails when it is out of date).
docs: $(STAMP)
	$(BIN)/python -m rules.doc > docs/rules.md

clean:
	rm -rf $(VENV) demo .pytest_cache .hypothesis
