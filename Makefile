# WaveCardio: `make run` serves the app on the embedded default; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
DATA ?= ../shared/data
SEED ?= 0
MODEL_VERSION ?= wavecardio-cnn-v10
LEGACY_DATA ?= ../shared/data/ecg
LEGACY_VERSION ?= wavecardio-cnn-v4
CHROMIUM ?= /usr/bin/chromium
export DJANGO_SETTINGS_MODULE ?= ecgsite.settings.dev
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: faults run install install-dev system-tools migrate screenshots test test-fast test-services lint format schema client bench train evaluate train-legacy vendor clean backup restore

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt constraints.txt | $(VENV)/bin/activate
	$(PIP) install --quiet -r requirements.txt -c constraints.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PIP) install --quiet -r requirements-dev.txt -c constraints.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

APT := $(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get

system-tools:  ## Debian's chromium (browser tests), promtool (alert rule tests), pdftoppm (PDF test), curl + jq (README's examples), nginx (the front's tests), when missing
	@test -x $(CHROMIUM) || { echo "Installing Debian chromium"; $(APT) update -qq && \
	  $(APT) install -y -qq chromium chromium-driver >/dev/null; }
	@command -v promtool >/dev/null || { echo "Installing Debian prometheus (promtool)"; \
	  $(APT) update -qq && $(APT) install -y -qq --no-install-recommends prometheus >/dev/null; }
	@command -v pdftoppm >/dev/null || { echo "Installing Debian poppler-utils (pdftoppm)"; \
	  $(APT) update -qq && $(APT) install -y -qq --no-install-recommends poppler-utils >/dev/null; }
	@command -v curl >/dev/null && command -v jq >/dev/null || { echo "Installing curl and jq"; \
	  $(APT) update -qq && $(APT) install -y -qq --no-install-recommends curl jq >/dev/null; }
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || { echo "Installing Debian nginx-light"; \
	  $(APT) update -qq && $(APT) install -y -qq --no-install-recommends nginx-light >/dev/null; }

migrate: install
	mkdir -p var
	$(PY) manage.py migrate --noinput

run: migrate  ## serve on http://127.0.0.1:8000 with SQLite and in-process tasks
	$(PY) manage.py bootstrap_admin --url http://$(HOST):$(PORT)/
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install-dev system-tools  ## the whole suite, browser tests included (SQLite, eager tasks)
	DJANGO_SETTINGS_MODULE=ecgsite.settings.test $(PY) -m pytest -m "not services" $(PYTEST_ARGS)

screenshots: install-dev system-tools  ## refresh the screenshots in docs/ from the browser tests
	WAVECARDIO_SCREENSHOTS=$(CURDIR)/docs DJANGO_SETTINGS_MODULE=ecgsite.settings.test $(PY) -m pytest -m e2e -q
	WAVECARDIO_SCREENSHOTS=$(CURDIR)/docs DJANGO_SETTINGS_MODULE=ecgsite.settings.test $(PY) -m pytest -q \
	  tests/classifier/test_report.py  # the PDF report's first page, as pdftoppm renders it

test-fast: install-dev
	DJANGO_SETTINGS_MODULE=ecgsite.settings.test $(PY) -m pytest -m "not services and not e2e and not slow" $(PYTEST_ARGS)

test-services: install-dev  ## the same suite on real PostgreSQL + Redis + a Celery worker
	./.ci/services-lane

faults: install-dev  ## the fault tests, long forms (services lane): worker SIGKILL, Redis outage, poison recording, PostgreSQL outage, slow-header clients, 32 clients for 60 s
	FAULTS_LONG=1 ./.ci/services-lane tests/classifier/test_faults.py tests/classifier/test_faults_web.py tests/classifier/test_row_locks.py -s

lint: install-dev  ## ruff, the layer contracts (import-linter) and the type checker (mypy)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy accounts audit classifier ecgsite monitoring tests bench manage.py

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

schema: install-dev  ## regenerate docs/openapi.yaml (a test fails when it drifts from the code)
	DJANGO_SETTINGS_MODULE=ecgsite.settings.test $(PY) manage.py spectacular --validate \
	  --fail-on-warn --file docs/openapi.yaml

CLIENT_GENERATE = PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/openapi-python-client generate \
	  --path docs/openapi.yaml --meta pdm --config clients/openapi-python-client.yaml \
	  --overwrite --fail-on-warning

client: install-dev  ## regenerate the Python client in clients/python/ from docs/openapi.yaml
	$(CLIENT_GENERATE) --output-path clients/python

bench: install-dev
	$(PY) -m bench

train: install  ## model v10, reproducible: CV on wfdb/mitdb + ecg + multi-recorder (network, then the rhythm stage), then all patients
	$(PY) -m classifier.training.rhythm_study train --data $(DATA) --out models --seed $(SEED) \
	  --version $(MODEL_VERSION)
	$(PY) -m classifier.training.export models/$(MODEL_VERSION).json

evaluate: install  ## + leave-one-database-out, the shortcut control and a second deal of the folds, into the card
	$(PY) -m classifier.training.rhythm_study evaluate --data $(DATA) \
	  --card models/$(MODEL_VERSION).json --seed $(SEED)

train-legacy: install  ## models v2-v4 (recording labels; DATA=dir with manifest.csv | .mat | WFDB root)
	$(PY) -m classifier.training train --data $(LEGACY_DATA) --out models --seed $(SEED) \
	  --version $(LEGACY_VERSION) $(if $(MAT_RATES),--mat-rates $(MAT_RATES))
	$(PY) -m classifier.training.export models/$(LEGACY_VERSION).json

backup:  ## database (pg_dump or the SQLite file) + MEDIA_ROOT into BACKUP_DIR (default var/backups)
	deploy/backup.sh $(BACKUP_DIR)

restore:  ## BACKUP=var/backups/wavecardio-... into DATABASE_URL and MEDIA_ROOT, then verifies
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=var/backups/wavecardio-<time>"; exit 2; }
	deploy/restore.sh $(BACKUP)
	$(PY) manage.py verify_audit
	$(PY) manage.py verify_recordings

vendor:  ## refresh vendored front-end assets from the npm registry
	rm -rf var/vendor && mkdir -p var/vendor && cd var/vendor && npm pack uplot@1.6.32 --silent && tar xzf uplot-1.6.32.tgz
	cp var/vendor/package/dist/uPlot.iife.min.js var/vendor/package/dist/uPlot.min.css var/vendor/package/LICENSE static/vendor/uplot/

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
