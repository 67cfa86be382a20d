# Dialogue: `make run` starts everything; `make test` runs every test. Both set up what is missing.
SHELL := /bin/bash
.DEFAULT_GOAL := help

TOOLS := .tools
UV_VERSION := 0.13.9
UV := $(TOOLS)/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/.venv
PYTHON := python3.11
RUN := $(UV) run --frozen --python $(PYTHON)

export VOD_DATA_DIR ?= $(CURDIR)/var
# Development defaults for `make run`, `make sample`, `make demo` and `make docs` only (tests
# set their own, and must not see these); a deployment sets its own (see README).
DEV_SETTINGS := run demo docs sample
$(DEV_SETTINGS): export VOD_ENV ?= development
$(DEV_SETTINGS): export INTAKE_WEBHOOK_SECRET ?= whsec_ZGV2LW9ubHktaW50YWtlLXNlY3JldC1jaGFuZ2UtbWU=
$(DEV_SETTINGS): export CUSTODY_WEBHOOK_SECRET ?= whsec_ZGV2LW9ubHktY3VzdG9keS1zZWNyZXQtY2hhbmdlLW1l
$(DEV_SETTINGS): export SMS_API_BASE ?= http://127.0.0.1:8025
$(DEV_SETTINGS): export VICTIM_LINK_SECRET ?= dev-only-victim-link-secret-change-me
$(DEV_SETTINGS): export SMS_AUTH_TOKEN ?= dev-only-sms-auth-token
$(DEV_SETTINGS): export SMS_WEBHOOK_URL ?= http://localhost:8004/webhooks/sms
$(DEV_SETTINGS): export STAFF_ALERTS_EMAIL ?= program-staff@dialogue.localhost

.PHONY: help setup run test test-fast test-faults docs bench demo sample clean backup restore

help:
	@echo "make run    start the broker, the four services and the mail/SMS catchers (Ctrl-C stops)"
	@echo "make test   run every test (unit, integration over a real broker, SQLite and PostgreSQL)"
	@echo "make sample load the sample custody roster (and, with 'make run' up, sample facilitators)"
	@echo "make test-faults  the fault suite: broker, services, mail/SMS killed or frozen under load (a table at the end)"
	@echo "make demo   drive a sample case through a running 'make run' and print its timeline"
	@echo "make docs   write each service's AsyncAPI document to docs/asyncapi/"
	@echo "make bench  the throughput figures of issue 13 on a real broker, against their targets (BENCH_SCALE=...)"
	@echo "make backup every store, the staff file and the keys, to backups/<time> (BACKUP_DIR=...)"
	@echo "make restore BACKUP_DIR=...  into empty stores, with the services stopped and the broker up"
	@echo "            (then erasures since the backup are made again: python -m intake.erase reapply)"

$(UV):
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# --compile-bytecode: every installed module compiled once, at install. An interpreter that may
# not write its own (PYTHONDONTWRITEBYTECODE, a read-only install) compiled some 2,800 files at
# every start, about 1.5 s of CPU for each service, migration child and test that starts one.
# (Only here: set for `uv run` too, it checks them all again at every run.)
.venv/.synced: $(UV) uv.lock pyproject.toml */pyproject.toml services/*/pyproject.toml
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	@touch $@

setup: .venv/.synced
	$(RUN) python -m vod_devtools.kafka fetch

# Already running (preflight exits 3): say so and start nothing. Logs are coloured only when
# this terminal shows them; in a file or a pipe they are plain.
run: setup
	@$(RUN) python -m vod_devtools.preflight; status=$$?; \
	  if [ $$status -eq 3 ]; then exit 0; elif [ $$status -ne 0 ]; then exit $$status; fi; \
	  mkdir -p "$(VOD_DATA_DIR)" && \
	  $(RUN) python -m vod_shared.sealing init "$(VOD_DATA_DIR)/keys" && \
	  if [ -t 1 ]; then default_format=console; else default_format=plain; fi && \
	  LOG_FORMAT=$${LOG_FORMAT:-$$default_format} exec $(RUN) honcho start -f Procfile

# Tests run in one process per core, at most four (pytest-xdist; each process starts its own
# broker, PostgreSQL and browser): half of a 2-core machine's time went waiting on processes
# and the broker with one. TEST_WORKERS=0 runs them in this one process.
TEST_WORKERS ?= auto
test: setup
	$(RUN) python -m vod_devtools.postgres ensure
	$(RUN) python -m vod_devtools.browser ensure
	$(RUN) pytest -n $(TEST_WORKERS) --maxprocesses 4

test-fast: .venv/.synced
	$(RUN) pytest -m "not integration"

sample: .venv/.synced
	@mkdir -p "$(VOD_DATA_DIR)"
	$(RUN) python -m vod_devtools.sample

# The whole fault suite (make test runs only its CI-sized part, the tests marked faults_ci)
test-faults: setup
	$(RUN) python -m vod_devtools.postgres ensure
	$(RUN) pytest -m faults -s tests/faults

demo: sample
	$(RUN) python -m vod_devtools.demo

# The services run from the deployment install (no development dependencies), as in the image
bench: setup
	@UV_PROJECT_ENVIRONMENT=$(CURDIR)/.venv-deploy $(UV) sync --frozen --no-dev --compile-bytecode --quiet --python $(PYTHON)
	BENCH_SERVICE_PYTHON=$(CURDIR)/.venv-deploy/bin/python $(RUN) python bench/run.py

docs: .venv/.synced
	@mkdir -p docs/asyncapi "$(VOD_DATA_DIR)"
	@$(RUN) python -m vod_shared.sealing init "$(VOD_DATA_DIR)/keys"
	@for s in intake screening scheduling notifications; do \
	  $(RUN) faststream docs gen $$s.asyncapi:app --yaml --out docs/asyncapi/$$s.yaml || exit 1; \
	done

clean:
	rm -rf "$(VOD_DATA_DIR)" .venv $(TOOLS)

BACKUP_DIR ?= $(CURDIR)/backups/$(shell date -u +%Y%m%dT%H%M%SZ)
backup: .venv/.synced
	$(RUN) python -m vod_shared.backup create "$(BACKUP_DIR)"

restore: .venv/.synced
	@test -n "$(BACKUP_DIR)" && test -d "$(BACKUP_DIR)" || { echo "make restore BACKUP_DIR=<a backup folder>"; exit 1; }
	$(RUN) python -m vod_shared.backup restore "$(BACKUP_DIR)"
