# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
FLASK  := $(BIN)/flask --app petition

.PHONY: install catalogues messages run test lint fmt migrate load clean screenshots

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed catalogues

# Interface translations: petition/translations/<lang>/LC_MESSAGES/messages.po, compiled
# to .mo (not committed) on every install. `make messages` re-extracts the strings and
# updates every catalogue; then translate the new entries.
CATALOGUES := $(wildcard petition/translations/*/LC_MESSAGES/messages.po)
catalogues: $(CATALOGUES:.po=.mo)

petition/translations/%/LC_MESSAGES/messages.mo: petition/translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d petition/translations -l $* --use-fuzzy=false 2>&1 | grep -v '^compiling' || true
	test -f $@

messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output -k _l -o petition/translations/messages.pot petition templates
	$(if $(CATALOGUES),$(BIN)/pybabel update --no-fuzzy-matching -i petition/translations/messages.pot -d petition/translations)

migrate: install
	$(FLASK) db upgrade

load: migrate
	$(FLASK) data load

# The web server and the mail worker together (Procfile, run by honcho); Ctrl-C stops both.
# Links in emails point at the address the server listens on, unless told otherwise.
run: load
	PATH="$(CURDIR)/$(BIN):$$PATH" HOST=$(HOST) \
	PETITION_BASE_URL="$${PETITION_BASE_URL:-http://$(HOST):$(PORT)}" \
	$(BIN)/honcho --procfile Procfile start --port $(PORT)

test: install
	$(BIN)/ruff check petition tests migrations scripts $(wildcard bench)
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check petition tests migrations scripts $(wildcard bench)
	$(BIN)/ruff format --check petition tests migrations scripts $(wildcard bench)
	$(BIN)/mypy

fmt: install
	$(BIN)/ruff check --fix petition tests migrations scripts $(wildcard bench)
	$(BIN)/ruff format petition tests migrations scripts $(wildcard bench)

# Phone and desktop screenshots of the main pages, with Debian's chromium.
screenshots: install
	$(BIN)/python scripts/screenshots.py --out docs/screenshots

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
