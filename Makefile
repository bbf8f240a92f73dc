# Two commands for a fresh machine: `make demo` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: demo test test-spark test-fast lint repro sample bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(STAMP)

demo: $(STAMP)  ## train on the bundled sample, evaluate, score the new year, write the 2013/14 report, say where everything is
	$(BIN)/complaints train
	$(BIN)/complaints score data/sample/new_complaints.csv
	$(BIN)/complaints report data/sample/complaints.csv --params configs/sample.yaml --year 2013/14 --compare-to 2012/13 --labels both
	$(BIN)/complaints drift data/sample/complaints.csv data/sample/closed_2015_16.csv --old-year 2014/15
	@echo "Next spring's routine (README, 'Retraining on a new year'): $(BIN)/complaints retrain data/sample/closed_2015_16.csv --history data/sample/complaints.csv"
	@echo "Intake page: $(BIN)/complaints serve  (then open http://127.0.0.1:8000/ in a browser: paste a complaint, choose, Record decision)"
	@echo "Decisions recorded on the page go to feedback.db here (feedback.database_url, or COMPLAINTS_FEEDBACK_DATABASE_URL for a shared PostgreSQL); $(BIN)/complaints feedback summary shows how often suggestions are kept"
	@echo "MLflow UI: $(BIN)/mlflow ui --backend-store-uri sqlite:///mlruns.db  (then open http://127.0.0.1:5000)"

test: $(DEV_STAMP)  ## the whole test suite on every core but the long Spark tests (make test-spark); about 4 minutes on 2 cores
	$(BIN)/python -m pytest -n auto --dist loadfile

test-spark: $(DEV_STAMP)  ## the long Spark tests make test leaves out: spark-submit, and the Housing Ombudsman data on Spark
	$(BIN)/python -m pytest -m spark_job

test-fast: $(DEV_STAMP)  ## the unit tests only: everything not marked slow (about a minute)
	$(BIN)/python -m pytest -m "not slow and not spark_job"

lint: $(DEV_STAMP)
	$(BIN)/ruff check pipeline tests tools benchmarks

bench: $(STAMP)  ## the quality benchmark on ../shared/data (by hand; writes benchmarks/results.md and .json)
	$(BIN)/python -m benchmarks.quality

repro: $(DEV_STAMP)  ## the dvc.yaml pipeline (prepare, train, evaluate, score, report): reruns only what changed
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dvc repro

sample: $(STAMP)  ## regenerate data/sample from the seeded generator
	$(BIN)/python -m tools.sample

clean:
	rm -rf models/category models/themes models/challenger outputs reports mlruns mlruns.db mlruns.db.models mlartifacts test-artifacts
