# The two commands of a fresh clone:
#   make demo   set up a virtualenv and run the end-to-end sandbox demo
#   make test   set up a virtualenv and run lint, type checks and the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint pytest adapter-packages bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(BIN)/oc-bridge demo

# The in-repo adapters are also checked as a third party's adapter would be: mypy --strict on
# their packages alone (errors in the core they import are reported by the plain run).
ADAPTER_PACKAGES := -p oc_bridge_csv -p oc_bridge_rest -p oc_bridge_shipstation

lint: setup
	$(BIN)/ruff check oc_bridge plugins tests bench
	$(BIN)/mypy
	$(BIN)/mypy --strict --follow-imports=silent $(ADAPTER_PACKAGES)

pytest: setup
	$(BIN)/pytest -q

test: lint pytest

# adapters as separate distributions: scaffold one, pip install -e it and the example, run
# their tests, ruff and mypy --strict (CI runs this after `make test`)
adapter-packages: setup
	VENV=$(VENV) bash .ci/adapter-packages

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
