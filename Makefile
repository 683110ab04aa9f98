# Plenary: the two commands of the README.
#   make run   - install, migrate, load the demonstration session, serve on http://127.0.0.1:5000
#   make test  - install with the dev extras and run the whole test suite

# Python 3.11 or newer: python3.11 when installed, else the system's python3 (checked below).
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null || echo python3.11)
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi

.PHONY: run test system-deps install install-dev migrate demo clean

run: system-deps install migrate
	@$(FLASK) demo --if-empty
	@$(FLASK) users ensure-admin
	$(FLASK) run --host 127.0.0.1 --port 5000

test: install-dev
	@WITH_BROWSER=1 PYTHON=$(PYTHON) sh scripts/system-deps.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

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

clean:
	rm -rf $(VENV) *.egg-info
