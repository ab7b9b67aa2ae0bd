# The two commands a new user needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app review_app
# Parallel test workers; the machine has 2 cores.
WORKERS ?= 2

.PHONY: demo test install install-dev system-packages translations lint bench bench-load clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt

# axe-core (the accessibility checks of the browser tests), as package-lock.json pins it
node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	@touch $@

## demo: install, create instance/ with the SQLite database and demo data, serve on 127.0.0.1:5000
demo: install
	@.ci/system-packages runtime
	@mkdir -p instance
	@[ -f instance/config.py ] || printf '%s\n' \
	  '# Written by `make demo`. Demo only: production asks admins and auditors for a second factor.' \
	  'TOTP_REQUIRED_ROLES = ()' > instance/config.py
	$(FLASK) init-db
	$(FLASK) seed-demo
	@echo "Serving on http://127.0.0.1:5000 (Ctrl-C to stop)"
	$(BIN)/gunicorn --bind 127.0.0.1:5000 --workers 2 --threads 4 --access-logfile - 'review_app:create_app()'

## system-packages: Chromium for the browser tests, PostgreSQL for the second database, CJK fonts
system-packages:
	@.ci/system-packages

## test: the whole suite on SQLite, then the database-facing tests again on a local PostgreSQL
test: install-dev system-packages node_modules/axe-core/axe.min.js
	$(BIN)/python -m pytest -n $(WORKERS) -p no:cacheprovider
	.ci/with-postgres $(BIN)/python -m pytest -n $(WORKERS) -p no:cacheprovider -m "not browser" tests/test_review_app

## translations: recompile the message catalogues after editing a .po file
translations: install-dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -o review_app/translations/messages.pot review_app
	$(BIN)/pybabel update -i review_app/translations/messages.pot -d review_app/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d review_app/translations

lint: install-dev
	$(BIN)/ruff check .

## bench: the assignment and scoring benchmarks (minutes; figures go to bench/*/results and READMEs)
bench: install-dev
	PYTHONPATH=. $(BIN)/python bench/assignment/run.py S M
	PYTHONPATH=. $(BIN)/python bench/scoring/run.py
	PYTHONPATH=. $(BIN)/python bench/scoring/report.py

## bench-load: the expert flow under locust against gunicorn, SQLite then PostgreSQL (about 10 minutes)
bench-load: install-dev system-packages
	$(BIN)/pip install --quiet -r bench/requirements.txt
	PYTHONPATH=. $(BIN)/python bench/load/run.py
	.ci/with-postgres sh -c 'PYTHONPATH=. $(BIN)/python bench/load/run.py --database-url "$$DATABASE_URL"'

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis test-output node_modules
