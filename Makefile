# Two commands for a newcomer: `make run` and `make test`. Both set everything up first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck unit bench bench-reminders setup clean demo messages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/gopy db upgrade
	$(BIN)/gopy run

demo: $(STAMP)
	$(BIN)/gopy db upgrade
	$(BIN)/gopy demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy bot handlers storage scheduler tests

unit: $(STAMP)
	$(BIN)/pytest -q

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python -m tests.bench.report_flow

# 5,000 reminders at 25/s against a fake Bot API enforcing Telegram's limits (≈ 8 min).
bench-reminders: $(STAMP)
	$(BIN)/python -m tests.bench.reminders

clean:
	rm -rf $(VENV) *.egg-info .mypy_cache .ruff_cache

# Refresh the catalogues after changing user-facing strings; then translate the new entries.
messages: $(STAMP)
	$(BIN)/pybabel extract --no-location --no-wrap -k _ -k N_ -o locales/messages.pot handlers bot
	$(BIN)/pybabel update --width 99 --no-fuzzy-matching --ignore-obsolete -D messages -i locales/messages.pot -d locales
	rm locales/messages.pot
