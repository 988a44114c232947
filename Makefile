# Two entry points: `make build` and `make test`. Each sets up its own virtual environment.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Test tools from npm: the Nu Html Checker (vnu.jar, run with Java) and axe-core (accessibility
# rules run inside Chromium).
TOOLS ?= .tools
VNU_VERSION := 26.9.27
AXE_VERSION := 4.14.1
VNU_STAMP := $(TOOLS)/.vnu-$(VNU_VERSION)-axe-$(AXE_VERSION)

.PHONY: build test setup golden bench clean

setup: $(STAMP) $(VNU_STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

# Without npm the HTML checker tests skip (and fail under CI=true, where .ci/run installs npm).
$(VNU_STAMP):
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --prefix $(TOOLS) --no-save --ignore-scripts --no-audit --no-fund --loglevel=error \
	    vnu-jar@$(VNU_VERSION) axe-core@$(AXE_VERSION) && touch $@; \
	else echo "npm not found: the HTML checker tests will be skipped"; fi

build: $(STAMP)
	$(PY) -m site_builder build .

test: $(STAMP) $(VNU_STAMP)
	$(PY) -m pytest

# Refresh the golden output of tests/fixtures/golden-site after an intended change.
golden: $(STAMP)
	$(PY) -m tests.golden

# The performance benchmark (see README): `make bench PAIRS=5000 ARGS=--growth`.
PAIRS ?= 5000
bench: $(STAMP)
	$(PY) benchmarks/run.py --pairs $(PAIRS) $(ARGS)

clean:
	rm -rf $(VENV) $(TOOLS) public .site-builder-cache .bench
