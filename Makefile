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
CHROMIUM := /usr/bin/chromium
SOFFICE := /usr/bin/soffice
PDFTOPPM := /usr/bin/pdftoppm
IMPRESS := /usr/lib/libreoffice/program/libslideshowlo.so
PANGO := /usr/share/doc/libpangoft2-1.0-0

.PHONY: demo test lab bench venv install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install whenever pyproject.toml or setup.py changes.
$(VENV)/.installed: pyproject.toml setup.py | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name slc-research --display-name "slc-research" >/dev/null
	touch $@

# Playwright drives Debian's chromium (tests/widgets/test_browser.py): no browser download.
$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

# Installed through apt when missing (as root); otherwise says what to run.
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser test (apt-get)..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "The browser test needs Debian's chromium at $(CHROMIUM): run"; \
		echo "    sudo apt-get update && sudo apt-get install -y chromium"; \
	fi

# LibreOffice (DOCX -> PDF) and poppler's pdftoppm (PDF -> PNG) for tests/report/test_export.py;
# LibreOffice Impress (PPTX -> PDF) for tests/report/test_slides.py.
$(SOFFICE) $(PDFTOPPM) $(IMPRESS):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing LibreOffice Writer and Impress and poppler-utils for the export and slides tests (apt-get)..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends libreoffice-writer-nogui libreoffice-impress-nogui poppler-utils fonts-liberation >/dev/null; \
	else \
		echo "The export and slides tests need LibreOffice (Writer, Impress) and pdftoppm: run"; \
		echo "    sudo apt-get update && sudo apt-get install -y libreoffice-writer-nogui libreoffice-impress-nogui poppler-utils fonts-liberation"; \
	fi

# WeasyPrint draws the report PDFs (report --pdf, make demo) with Debian's pango and harfbuzz.
$(PANGO):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing pango for the report PDFs (apt-get)..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
			fonts-liberation >/dev/null; \
	else \
		echo "The report PDFs need pango: run"; \
		echo "    sudo apt-get update && sudo apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation"; \
	fi

venv install: $(VENV)/.installed $(PANGO)

install-test: $(VENV)/.installed-test $(CHROMIUM) $(SOFFICE) $(PDFTOPPM) $(IMPRESS) $(PANGO)

# The same command a pip-installed package runs (README, "Without make"): the synthetic trust
# in ./data/demo ($(DEMO)), the reports of batches/demo.toml and index.html in ./outputs ($(OUT)).
demo: $(VENV)/.installed $(PANGO)
	$(BIN)/slc-research demo . --schools $(SCHOOLS) --pupils $(PUPILS) --seed $(SEED) --force

test: install-test
	$(BIN)/ruff check slc_research tests benchmarks
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

# JupyterLab on copies of the notebooks inside the workspace (LAB, default the demo), each
# pointed at it: autosave writes there, never into the repository's notebooks/.
# `make lab LAB=my-enquiry` for your own; `slc-research lab LAB --refresh` replaces edited copies.
LAB ?= $(DEMO)
lab: $(VENV)/.installed
	@test -f $(LAB)/enquiry.toml || { echo "No enquiry in $(LAB): run make demo first, or make lab LAB=your-enquiry-folder"; exit 1; }
	$(BIN)/slc-research lab $(LAB)

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/batch.py
	$(BIN)/python benchmarks/widgets.py
	$(BIN)/python benchmarks/first_report.py --explore

clean:
	rm -rf $(VENV) $(OUT)/*.html $(DEMO)
