# Two commands: `make demo` and `make test`. Everything else is a step they need.
SHELL := /bin/sh
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SANDBOX := cd sandbox && ../$(BIN)/python manage.py

.PHONY: demo test install lint messages bench clean

$(STAMP): pyproject.toml
	@py=$$(scripts/find-python) || exit 1; \
	  echo "Using $$py"; \
	  [ -x $(BIN)/python ] || "$$py" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,dev,sandbox]"
	@touch $@

install: $(STAMP)

demo: $(STAMP)
	$(SANDBOX) migrate --noinput
	$(SANDBOX) load_demo
	$(SANDBOX) runserver 127.0.0.1:8000

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/bench_sharing.py
	$(BIN)/python bench/bench_notifications.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Regenerate and compile the Polish catalogue (needs GNU gettext).
messages: $(STAMP)
	cd wagtail_clientportal && ../$(BIN)/django-admin makemessages -l pl --no-obsolete --no-location
	cd wagtail_clientportal && ../$(BIN)/django-admin compilemessages -l pl

clean:
	rm -rf $(VENV) dist build *.egg-info sandbox/db.sqlite3 sandbox/media sandbox/private
