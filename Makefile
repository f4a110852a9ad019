# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
FLASK  := $(BIN)/flask --app petition

LINTED := petition tests migrations scripts $(wildcard bench)

.PHONY: install catalogues messages run test lint audit fmt migrate load clean constraints screenshots pango

# Every package at the version in constraints.txt, so a new release of a tool or library
# cannot change a build on its own; `make constraints` moves them all forward on purpose.
# WeasyPrint (delivery-pack PDFs) needs Debian's pango; install it when it is missing.
pango:
	@ldconfig -p | grep -q 'libpango-1.0.so.0' && ldconfig -p | grep -q 'libpangoft2-1.0.so.0' || \
	  { echo "Installing Debian's pango for WeasyPrint"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 || \
	    { echo "Could not install pango: run apt-get install libpango-1.0-0 libpangoft2-1.0-0 as root" >&2; exit 1; }; }

$(VENV)/.installed: pyproject.toml constraints.txt | pango
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
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

# The marks pybabel looks for beyond its own (_, gettext, ngettext, pgettext, N_ ...):
# Flask-Babel's lazy forms. tests/test_i18n.py extracts with the same list.
EXTRA_KEYWORDS := _l lazy_gettext lazy_ngettext:1,2 lazy_pgettext:1c,2
messages: $(VENV)/.installed
	mkdir -p petition/translations
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output --project=petition \
	  --add-comments=Translators: $(addprefix -k ,$(EXTRA_KEYWORDS)) \
	  -o petition/translations/messages.pot .
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
	$(BIN)/ruff check $(LINTED)
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: install audit
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy

# Known vulnerabilities in the installed packages; says "skipped" when offline.
audit: install
	$(BIN)/python scripts/audit_deps.py

fmt: install
	$(BIN)/ruff check --fix $(LINTED)
	$(BIN)/ruff format $(LINTED)

# Phone and desktop screenshots of the main pages, with Debian's chromium.
screenshots: install
	$(BIN)/python scripts/screenshots.py --out docs/screenshots

# Resolve pyproject.toml afresh in a scratch venv and pin every package it installed.
constraints:
	rm -rf .venv-constraints
	$(PYTHON) -m venv .venv-constraints
	.venv-constraints/bin/python -m pip install --quiet --upgrade pip
	.venv-constraints/bin/python -m pip install --quiet -e ".[dev]"
	{ echo "# Written by make constraints from a fresh install of pyproject.toml; commit it."; \
	  .venv-constraints/bin/python -m pip freeze --exclude-editable; } > constraints.txt
	rm -rf .venv-constraints

clean:
	rm -rf $(VENV) .venv-constraints .pytest_cache .ruff_cache
