# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test install install-test lint bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	scripts/test-deps.sh

## The whole platform with demo data on SQLite and an in-process bus: http://127.0.0.1:8000
run: install
	$(BIN)/telehealth serve --demo

## Install what the tests need, then run them (SQLite and PostgreSQL, Redis, Chromium).
test: install-test
	$(BIN)/pytest

lint: install-test
	$(BIN)/ruff check telehealth signaling web tests benchmarks
