# StrataTracker developer commands. `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test lint format migrate bench bench-email bench-campaign

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { \
		echo "StrataTracker needs Python 3.12 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1)." \
		     "Install 3.13 (pyenv reads .python-version) or run: make PYTHON=python3.13 ..."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

# runserver and a Celery worker with beat inside it, on a broker kept in files under var/
# (bin/run-dev): email goes out and the scheduled jobs run. Ctrl-C stops both.
run: migrate
	$(BIN)/python manage.py seed_demo
	PATH="$(CURDIR)/$(BIN):$$PATH" bin/run-dev 127.0.0.1:8000

# The suite runs on every core (pytest-xdist; one test database per worker). TEST_WORKERS=0
# runs it in this process, which a debugger needs.
TEST_WORKERS ?= auto
test: install
	$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Outbox throughput next to the Django mailer and raw smtplib (bench/email_outbox.py). Needs
# PostgreSQL and Redis on 127.0.0.1; BENCH_EMAILS, BENCH_DATABASE_URL, REDIS_URL override.
bench-email: install
	$(BIN)/python -m bench.email_outbox

# Queueing a 10,000-recipient campaign next to a raw bulk INSERT of the same outbox rows
# (bench/campaign_queue.py). Needs PostgreSQL on 127.0.0.1 (no broker); BENCH_RECIPIENTS,
# BENCH_REPEAT, BENCH_PROFILE=1, BENCH_DATABASE_URL override.
bench-campaign: install
	$(BIN)/python -m bench.campaign_queue

# Every benchmark, one after the other (figures in docs/operations.md).
bench: bench-email bench-campaign
