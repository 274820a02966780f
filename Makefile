# The two commands a newcomer needs: `make run` and `make test`. Each creates .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: run serve test lint format clean docs bench bench-workers soak bench-slow screenshots extract translations

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Keyfob needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

# The app alone for `make run`; with the test and dev extras for everything else. The client
# package is installed in the same command, so pip takes keyfob-client from this repository.
CLIENT := clients/python
$(VENV)/.installed-app: pyproject.toml $(CLIENT)/pyproject.toml | $(BIN)/python
	$(PIP) -e ./$(CLIENT) -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(CLIENT)/pyproject.toml | $(BIN)/python
	$(PIP) -e ./$(CLIENT) -e '.[test,dev]'
	touch $@ $(VENV)/.installed-app

run: $(VENV)/.installed-app
	$(BIN)/flask --app app db upgrade
	@echo "Keyfob is running on http://127.0.0.1:5000 (Ctrl-C to stop)"
	$(BIN)/flask --app app run --host 127.0.0.1 --port 5000

# Production: refuse a start that could not work on several machines (app/ops/serving.py) before
# touching the database, migrate, then gunicorn with gunicorn.conf.py (docs/admin/deploying.md).
serve: $(VENV)/.installed-app
	$(BIN)/python -m app.ops.serving
	$(BIN)/flask --app app db upgrade
	exec $(BIN)/gunicorn -c gunicorn.conf.py

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache site

# The documentation site (MkDocs, Material theme) into site/. --strict: a broken link or anchor,
# or a page missing from mkdocs.yml's nav, fails the build (and CI, which runs it).
docs: $(VENV)/.installed-dev
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# Throughput and latency of key authentication (needs wrk: apt-get install wrk).
bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# The forward-auth check under gunicorn's worker configurations, for gunicorn.conf.py's
# defaults (needs wrk).
bench-workers: $(VENV)/.installed-dev
	$(BIN)/python -m bench.workers $(WORKERS_ARGS)

# The screenshots of the README and docs/, taken by the browser tests' own setup (needs
# Chromium, and a CJK font for the Chinese one).
screenshots: $(VENV)/.installed-dev
	KEYFOB_TEST_SCREENSHOTS_DIR=docs KEYFOB_TEST_REQUIRE_BROWSER=1 $(BIN)/python -m pytest -q \
		tests/browser/test_screenshots.py tests/browser/test_chinese.py

# Translations (flask-babel): extract the strings, merge them into each catalog, compile.
# The compiled .mo files are committed, so make run and make test need no build step.
BABEL_KEYWORDS := -k _l -k lazy_gettext -k ngettext:1,2
extract: $(VENV)/.installed-dev
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --no-location --omit-header \
		-o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations \
		--omit-header --no-fuzzy-matching

translations: $(VENV)/.installed-dev
	$(BIN)/pybabel compile -d app/translations --statistics

# 60 s of mixed traffic against `make serve` on PostgreSQL and Redis (docs/admin/deploying.md).
soak: $(VENV)/.installed-dev
	$(BIN)/python -m bench.soak $(SOAK_ARGS)

# Slow clients against gunicorn.conf.py alone, then behind nginx (docs/admin/deploying.md; needs
# Redis on 127.0.0.1, and nginx for the second half: apt-get install nginx).
bench-slow: $(VENV)/.installed-dev
	$(BIN)/python -m bench.slow_clients $(SLOW_ARGS)
