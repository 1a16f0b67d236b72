# slc-research: the two set-up commands are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := data/demo
OUT := outputs
SCHOOLS ?= 4
PUPILS ?= 1000
SEED ?= 2025

.PHONY: demo test lab bench venv install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name slc-research --display-name "slc-research" >/dev/null
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

venv install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

demo: $(VENV)/.installed
	$(BIN)/slc-research demo-data $(DEMO) --schools $(SCHOOLS) --pupils $(PUPILS) --seed $(SEED) --force
	$(BIN)/slc-research check $(DEMO)
	$(BIN)/slc-research report $(DEMO) --batch batches/demo.toml --out $(OUT)
	@echo "Open $(OUT)/index.html in a browser."

test: $(VENV)/.installed-test
	$(BIN)/ruff check slc_research tests benchmarks
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

lab: $(VENV)/.installed
	$(BIN)/jupyter lab notebooks/

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/batch.py

clean:
	rm -rf $(VENV) $(OUT)/*.html $(DEMO)
