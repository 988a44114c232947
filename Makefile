# Two entry points: `make build` and `make test`. Each sets up its own virtual environment, with
# exactly the versions locked in uv.lock (`make lock` re-resolves them: see the README).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Tools that are not Python packages of the project live here: uv (which installs the lock), and
# from npm the Nu Html Checker (vnu.jar, run with Java) and axe-core (accessibility rules run inside
# Chromium).
TOOLS ?= .tools
UV := $(TOOLS)/uv/bin/uv
VNU_VERSION := 26.9.27
AXE_VERSION := 4.14.1
VNU_STAMP := $(TOOLS)/.vnu-$(VNU_VERSION)-axe-$(AXE_VERSION)

# uv uses the Python given here, never one of its own downloads, and installs into $(VENV).
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
UV_PYTHON := --python $(PYTHON)

.PHONY: build test setup lock golden bench clean

setup: $(STAMP) $(VNU_STAMP)

# uv itself, pinned with its hashes (the one thing installed before the lock can be read).
$(UV): tools/uv-requirements.txt
	rm -rf $(TOOLS)/uv
	$(PYTHON) -m venv $(TOOLS)/uv
	$(TOOLS)/uv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes \
	  -r tools/uv-requirements.txt

# Exactly what uv.lock says (--frozen: the lock is read, never changed; anything else in the
# environment is removed), the project itself in editable mode. An environment made some other way
# (by an older Makefile, with pip) is made again: uv keeps the packages such a one was seeded with.
$(STAMP): pyproject.toml uv.lock $(UV)
	grep -qs '^uv = ' $(VENV)/pyvenv.cfg || rm -rf $(VENV)
	$(UV) sync --frozen --extra test $(UV_PYTHON) --quiet
	touch $(STAMP)

# Upgrades are deliberate: re-resolve to the newest versions pyproject.toml allows, rewrite uv.lock,
# then run `make test` and commit the lock with what changed.
lock: $(UV)
	$(UV) lock --upgrade $(UV_PYTHON)

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
