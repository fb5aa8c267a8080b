# Two commands for a newcomer: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup run demo playground screenshots test lint typecheck pytest bench messages catalogs migration clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	touch $(STAMP)

catalogs: $(STAMP)
	$(BIN)/python -m bot.platform.catalogs compile

setup: $(STAMP) catalogs

run: setup
	$(BIN)/samordna run

demo: setup
	$(BIN)/samordna demo

playground: setup
	$(BIN)/samordna playground

# PNGs of the playground for the docs; needs Chromium, chromedriver and an emoji font
# (apt-get install -y chromium chromium-driver fonts-noto-color-emoji).
screenshots: setup
	$(BIN)/python -m bot.demo.playground.screenshots docs

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: setup
	$(BIN)/mypy bot flows handlers tests $(wildcard bench)

pytest: setup
	$(BIN)/pytest

test: lint typecheck pytest

bench: setup
	$(BIN)/python -m bench.run

messages: $(STAMP)
	$(BIN)/python -m bot.platform.catalogs update
	$(BIN)/python -m bot.platform.catalogs compile

migration: $(STAMP)
	$(BIN)/python -m bot.migrate regenerate

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
