# Two entry points: `make build` and `make test`. Each sets up its own virtual environment.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: build test setup golden bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

build: $(STAMP)
	$(PY) -m site_builder build .

test: $(STAMP)
	$(PY) -m pytest

# Refresh the golden output of tests/fixtures/golden-site after an intended change.
golden: $(STAMP)
	$(PY) -m tests.golden

clean:
	rm -rf $(VENV) public .site-builder-cache
