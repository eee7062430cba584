# Aduan: `make run` starts the whole system, `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SCALE ?= 1

.PHONY: install run test lint bench clean

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  (echo "Aduan needs Python 3.11 or newer (set PYTHON=...)"; exit 1)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/aduan run

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check aduan services workflows tests bench
	$(BIN)/mypy

bench: install
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m bench --scale $(SCALE)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
