# Two commands: `make demo` and `make test`. Everything else is a step they need.
SHELL := /bin/sh
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SANDBOX := cd sandbox && ../$(BIN)/python manage.py

.PHONY: demo test matrix e2e-deps install lint messages bench bench-load stack clean

$(STAMP): pyproject.toml
	@py=$$(scripts/find-python) || exit 1; \
	  echo "Using $$py"; \
	  [ -x $(BIN)/python ] || "$$py" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,dev,sandbox,e2e,production]"
	@touch $@

install: $(STAMP)

# `make demo PORT=8123` (or SANDBOX_PORT=8123 in the environment) serves on another
# port; the sandbox's settings read SANDBOX_PORT, so links in emails follow it.
PORT ?= $(or $(SANDBOX_PORT),8000)
DEMO_PORT := $(PORT)
demo: export SANDBOX_PORT = $(DEMO_PORT)
demo: $(STAMP)
	$(SANDBOX) migrate --noinput
	$(SANDBOX) load_demo
	$(SANDBOX) runserver 127.0.0.1:$(DEMO_PORT)

# Browser tests (tests/e2e) need Chromium (Debian's by default) and axe-core from npm.
CLIENTPORTAL_CHROMIUM ?= /usr/bin/chromium
export CLIENTPORTAL_CHROMIUM
E2E := tests/e2e

test: $(STAMP) e2e-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The non-browser suite on every supported (Python, Django) pair, one virtualenv each
# under .nox/ (noxfile.py). CLIENTPORTAL_MATRIX=ci: the oldest and the newest pair only.
matrix: $(STAMP)
	$(BIN)/nox $(NOX_ARGS)

e2e-deps:
	@if [ ! -x "$(CLIENTPORTAL_CHROMIUM)" ]; then \
	  echo "NOTE: Chromium not installed ($(CLIENTPORTAL_CHROMIUM)): browser tests skipped"; \
	elif [ -f $(E2E)/node_modules/axe-core/axe.min.js ]; then :; \
	elif command -v npm >/dev/null 2>&1; then npm ci --prefix $(E2E) --no-audit --no-fund --silent; \
	else echo "NOTE: npm not found: accessibility (axe-core) browser tests skipped"; fi

bench: $(STAMP)
	$(BIN)/python bench/bench_sharing.py
	$(BIN)/python bench/bench_notifications.py
	$(BIN)/python bench/bench_password_reset.py
	$(BIN)/python bench/bench_downloads.py
	$(BIN)/python bench/bench_downloads_http.py --link 1gbit --link 10gbit
	$(BIN)/python bench/bench_scale.py

# The reference deployment on loopback (deploy/): nginx, gunicorn ×4, PostgreSQL at
# DATABASE_URL (a dedicated <name>_stack database), Redis, two db_workers. Ctrl-C stops it.
stack: $(STAMP)
	$(BIN)/python deploy/stack.py

# 50 portal users for 60 s against that stack, and nginx static files as the baseline;
# the download pairs again over a 1 Gbit/s veth link (root; skipped, with a note, otherwise).
bench-load: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python bench/bench_load.py --link 1gbit --rounds 3

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Regenerate and compile the Polish catalogue (needs GNU gettext).
messages: $(STAMP)
	cd wagtail_clientportal && ../$(BIN)/django-admin makemessages -l pl --no-obsolete --no-location
	cd wagtail_clientportal && ../$(BIN)/django-admin compilemessages -l pl

clean:
	rm -rf $(VENV) .nox dist build *.egg-info sandbox/db.sqlite3 sandbox/media sandbox/private \
	  $(E2E)/node_modules
