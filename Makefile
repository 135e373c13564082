# Concord — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
EN_PO := src/concord/locale/en/LC_MESSAGES/django.po

.PHONY: run test lint typecheck pytest bench messages compilemessages clean venv

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

compilemessages: $(STAMP)
	cd src/concord && ../../$(BIN)/concord compilemessages --ignore=.venv >/dev/null

run: $(STAMP) compilemessages
	PORT=$(PORT) $(BIN)/python -m concord.devserver

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) compilemessages
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

bench: $(STAMP) compilemessages
	$(BIN)/python -m bench
	$(BIN)/python -m bench.programme
	$(BIN)/python -m bench.messaging
	$(BIN)/python -m bench.incidents

# Refresh the catalogues; English is the source language, so msgen fills it from the source.
messages: $(STAMP)
	cd src/concord && ../../$(BIN)/concord makemessages -l ru -l en --no-obsolete --ignore=.venv
	msgattrib --no-wrap --clear-fuzzy --empty -o $(EN_PO) $(EN_PO)
	msgen --no-wrap -o $(EN_PO) $(EN_PO)

clean:
	rm -rf $(VENV) var/*.sqlite3*
