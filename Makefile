# Two commands on a fresh Debian machine: `make worksheets` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SPECS := $(wildcard specs/*.yaml)
OUT ?= out
# axe-core, which the browser tests (tests/test_html.py) inject into each page
AXE := node_modules/axe-core/axe.min.js
# Extra options for `worksheets build`, e.g. make worksheets VERSIONS=4 SEED=7
BUILD_OPTS := $(if $(VERSIONS),--versions $(VERSIONS)) $(if $(SEED),--seed $(SEED))

.PHONY: worksheets test bench check system-deps bytecode clean

worksheets: $(VENV)/.installed system-deps bytecode
	$(PY) -m worksheets build $(SPECS) --out $(OUT) $(BUILD_OPTS)

check: $(VENV)/.installed bytecode
	$(PY) -m worksheets check $(SPECS)

# Test files run in parallel, one worker per core; the tests of one file stay together.
test: $(VENV)/.installed system-deps bytecode $(AXE)
	$(PY) -m pytest -q -n auto --dist loadfile

bench: $(VENV)/.installed system-deps bytecode
	$(PY) bench/bench.py $(if $(N),--versions $(N))

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# Python compiles a module each time it is imported unless its compiled form is cached
# beside it; where writing that cache at run time is turned off (PYTHONDONTWRITEBYTECODE,
# as on our machine, or a read-only checkout) every command would compile the package
# again: 0.2 s of each start. compileall writes what is missing or stale (0.04 s if none).
bytecode: $(VENV)/.installed
	@$(PY) -m compileall -q worksheets

$(AXE): package.json | system-deps
	npm install --no-package-lock --no-audit --no-fund --loglevel=error
	touch $@

# Graphviz draws the figures; Liberation Serif is the one font of figures and text;
# poppler-utils and qpdf let the tests read the PDFs back; chromium, chromium-driver and
# npm let them open the HTML pages in a real browser.
system-deps:
	@sh tools/system-deps.sh

clean:
	rm -rf $(OUT) $(VENV) node_modules
	find worksheets tests bench -name __pycache__ -type d -prune -exec rm -rf {} +
