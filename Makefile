# Two commands on a fresh machine: `make report` (set up, ingest, run the month) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.setup-done
# Debian packages the project needs: pango for WeasyPrint's PDF output, poppler-utils for the
# PDF checks in tests (pdftotext, pdffonts) and PNG previews (pdftoppm), fontconfig for fonts,
# chromium for the browser tests (driven by Playwright through its executable: no download).
DEB_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig poppler-utils \
	chromium
PERIOD ?=
JOBS ?=

.PHONY: setup report test test-fast test-setup lint lab demo ingest bench clean-reports help preview

help:
	@echo "make report  - set up, ingest the bundled data and render the latest month's reports"
	@echo "make test    - set up, lint and run the tests"
	@echo "make test-fast - the unit tests only (no notebooks, PDFs, browsers or servers)"
	@echo "make lab     - open JupyterLab on the notebooks"

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found; set PYTHON=python3"; exit 1; }
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	# rfc3987_syntax (brought by JupyterLab) imported lazily: ~1.8 s less at every tool's start
	$(PY) -m analysis.lazy_imports --install >/dev/null
	@touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(PY) -m analysis demo

# The demo data are regenerated up to the latest complete month (deterministic: unchanged
# months give unchanged files); `make report DEMO=0` leaves data/raw/demo alone.
DEMO ?= 1
ingest: setup
	@if [ "$(DEMO)" != 0 ]; then $(PY) -m analysis demo; fi
	$(PY) -m analysis ingest

report: ingest
	$(PY) -m analysis run $(if $(PERIOD),--period $(PERIOD),) $(if $(JOBS),--jobs $(JOBS),)

lint: setup
	$(VENV)/bin/ruff check src tests benchmarks notebooks
	$(VENV)/bin/ruff format --check src tests benchmarks notebooks
	$(VENV)/bin/mypy

# Debian packages only the tests need: LibreOffice's headless converter re-saves workbooks as an
# office suite saves them (about a minute to install; not part of `make report`).
TEST_DEB_PACKAGES := libreoffice-calc-nogui

test-setup: setup
	@missing=""; for p in $(TEST_DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages for the tests:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# Two workers (pytest-xdist): the machine has two cores and the suite executes notebooks.
# The slowest tests are listed at the end, to show where the suite's time goes.
test: lint test-setup
	$(VENV)/bin/pytest -q -n 2 --durations=15

# The unit tests: what the `slow` marker leaves out (notebook executions, PDFs, browsers, servers).
test-fast: setup
	$(VENV)/bin/pytest -q -n 2 -m "not slow"

lab: setup
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

bench: setup
	$(PY) -m pip install -q -e '.[dev,bench]'
	$(PY) benchmarks/forecast_accuracy/run.py --no-log
	$(PY) benchmarks/forecast_accuracy/map_designs.py
	$(PY) benchmarks/forecast_accuracy/run.py --locked --no-log
	test -f data/processed/dx.duckdb || ($(PY) -m analysis demo && $(PY) -m analysis ingest)
	$(PY) benchmarks/forecast_speed/run.py --repeat 2
	$(PY) benchmarks/monthly_run/run.py
	$(PY) benchmarks/large_inputs/run.py

clean-reports:
	rm -rf reports/[0-9]*

# Page 1 of a briefing as a PNG for the README (after `make report`).
preview:
	@pdf=$$(ls -t reports/*/nghe_an/30_leadership_briefing.pdf | head -1); \
	pdftoppm -png -r 80 -f 1 -l 1 -singlefile "$$pdf" docs/briefing-page1 && echo "docs/briefing-page1.png from $$pdf"
