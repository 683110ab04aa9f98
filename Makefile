# Plenary: the two commands of the README.
#   make run   - install, migrate, load the demonstration session, serve on http://127.0.0.1:5000
#   make test  - install with the dev extras and run the whole test suite (on PostgreSQL too when it answers)

# Python 3.11 or newer: python3.11 when installed, else the system's python3 (checked below).
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null || echo python3.11)
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi

# pytest-xdist: one test process per core (two on CI's machine), each with its own SQLite file, PostgreSQL schema,
# upload folders and browser; `make test PYTEST_ARGS="tests/test_x.py"` runs one module in a single process.
PYTEST_ARGS ?= -n auto

.PHONY: run test system-deps install install-dev migrate demo clean translations catalogues

run: system-deps install catalogues migrate
	@$(FLASK) demo --if-empty --open-session
	@$(FLASK) users ensure-admin
	$(FLASK) run --host 127.0.0.1 --port 5000

test: install-dev
	@WITH_BROWSER=1 PYTHON=$(PYTHON) sh scripts/system-deps.sh
	@$(MAKE) --no-print-directory tests/browser/node_modules/.package-lock.json
	@# PostgreSQL and Redis at their default addresses, when they answer: the same run as CI (scripts/test_backends.py).
	@exports="$$($(BIN)/python scripts/test_backends.py)" && eval "$$exports" && \
		echo "$(BIN)/python -m pytest $(PYTEST_ARGS)" && $(BIN)/python -m pytest $(PYTEST_ARGS)

system-deps:
	@PYTHON=$(PYTHON) sh scripts/system-deps.sh

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || \
		{ echo "Plenary needs Python 3.11 or newer ($(PYTHON) is not; set PYTHON=/path/to/python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the project's metadata changes.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) demo

# axe-core for the accessibility checks of the browser tests, at the version the lock file pins.
tests/browser/node_modules/.package-lock.json: tests/browser/package-lock.json
	npm ci --silent --no-audit --no-fund --prefix tests/browser

# Compile the translation catalogues (.po) into what the application reads (.mo); both are kept in git, and a test
# fails when a .mo is stale: run this after changing a .po.
catalogues: install
	@$(FLASK) catalogues

# For translators: gather every marked string into messages.pot and merge it into each language's catalogue.
translations: install
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -c TRANSLATORS: --sort-by-file --no-wrap \
		--msgid-bugs-address=secretariat@example.org --project=Plenary --version=0.1.0 \
		--copyright-holder="the Plenary contributors" -o conference/translations/messages.pot .
	$(BIN)/pybabel -q update --no-wrap --ignore-obsolete -i conference/translations/messages.pot -d conference/translations

clean:
	rm -rf $(VENV) *.egg-info
