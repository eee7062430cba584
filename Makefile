# Aduan: `make run` starts the whole system, `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SCALE ?= 1

.PHONY: install browser run test lint bench clean

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  (echo "Aduan needs Python 3.11 or newer (set PYTHON=...)"; exit 1)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,test]'
	touch $@

install: $(BIN)/.installed

# The browser test (tests/e2e/test_portal.py) drives Debian's Chromium through Playwright;
# Playwright's own browser download cannot work offline. Installed once, as root or by sudo.
browser:
	@test -x /usr/bin/chromium || { \
	  command -v apt-get >/dev/null 2>&1 || { \
	    echo "The browser test needs /usr/bin/chromium: install Chromium (Debian: apt-get install chromium)."; exit 1; }; \
	  if [ "$$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  echo "Installing Debian's chromium for the browser test..."; \
	  $$SUDO apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends chromium; }

run: install
	$(BIN)/aduan run

test: install browser
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check aduan services devtools tests bench
	$(BIN)/ruff format --check aduan services devtools tests bench
	$(BIN)/mypy

bench: install
	$(BIN)/python -m pip install --quiet -e '.[dev,test,bench]'
	$(BIN)/python -m bench --scale $(SCALE)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
