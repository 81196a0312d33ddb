# `make run`: set up and start the app on the demo database. `make test`: set up and run the tests.
# `make lint`: ruff (import bans, complexity), mypy (domain, store) and import-linter (the layer
# contracts of pyproject.toml [tool.importlinter]).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cksum < requirements.txt | cut -d' ' -f1)
KPI_DB ?= data/kpi.duckdb
PORT   ?= 8501
export KPI_DB

.PHONY: setup run test test-core test-browser test-fast lint bench bench-smoke bench-load bench-load-smoke serve-city demo check-config clean

setup: $(STAMP)

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $@

DEMO_DB := data/kpi.duckdb

# the demo is seeded only into the default demo database, never into $(KPI_DB) chosen by the user
demo: setup
	if [ "$(KPI_DB)" = "$(DEMO_DB)" ]; then $(PY) -m kpi --db $(DEMO_DB) demo --if-missing; fi

run: setup demo
	@echo "Đăng nhập: xem README (mục «Tài khoản và quyền»). Tài khoản mẫu, chỉ để dùng thử: admin / demo-admin"
	$(PY) -m kpi.web.serve --server.port $(PORT) --server.headless true

# Every test in one pytest run on three workers: a browser test spends much of its time waiting
# for its server and Chromium, so a third worker keeps the two cores busy. Tests are handed to the
# workers one by one, longest first (tests/conftest.py, tests/e2e/conftest.py): the ten deep-link
# tests (each the first visit of a fresh server of its own) and the other browser tests that start
# a server spread over the workers instead of all going to the first one. Measured times: README
# («Kiểm thử: cách chạy và thời gian»).
test: setup
	$(PY) -m pytest -n 3

# only the core and page tests, or only the browser tests
test-core: setup
	$(PY) -m pytest -n 2 -m "not browser"

test-browser: setup
	$(PY) -m pytest -n 2 -m browser

lint: setup
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

test-fast: setup
	$(PY) -m pytest -m "not browser"

# how fast the app answers, each figure beside a floor measured in the same run (BENCHMARK.md);
# it reports and never fails, also on a loaded machine. The city part builds 10, 50 and 120 communes
# × 36 months on DuckDB and PostgreSQL (a few minutes); smaller or one engine:
# `make bench CITY_BENCH="--communes 5,20 --months 12 --engine duckdb"`
CITY_BENCH ?= --communes 10,50,120 --months 36
bench: setup
	$(PY) scripts/bench.py
	$(PY) scripts/bench_import.py
	$(PY) scripts/bench_whatif.py
	$(PY) scripts/bench_city.py $(CITY_BENCH)

# every bench script at a tiny size (`--quick`: a few months, 2–3 communes, one repeat, DuckDB, no
# browser), so that none of them rots between two full runs; .ci/run runs it after the tests. It
# checks that each script runs to its end, not how fast: the figures it prints mean nothing.
bench-smoke: setup
	$(PY) scripts/bench.py --quick
	$(PY) scripts/bench_import.py --quick
	$(PY) scripts/bench_whatif.py --quick
	$(PY) scripts/bench_city.py --quick

# A city server on this machine: WORKERS app processes on ports 8601…, nginx in front on CITY_PORT
# (sticky by cookie), one PostgreSQL (KPI_DB=postgresql://…; not set: a throwaway DEMO cluster with
# the 120-commune demo, in run/city) and one files folder (KPI_FILES_DIR). README «Triển khai».
WORKERS   ?= 4
CITY_PORT ?= 8080
serve-city: setup
	$(PY) scripts/serve_city.py --workers $(WORKERS) --port $(CITY_PORT) \
	  $(if $(filter postgresql://% postgres://%,$(KPI_DB)),--db $(KPI_DB),)

# The deadline day: one process against WORKERS workers behind nginx, Locust users speaking
# Streamlit's protocol, workbooks imported at the same time, one worker killed (BENCHMARK.md).
# A few minutes of both cores; `make bench-load-smoke` (10 sessions, 30 s) is what .ci/run runs.
LOAD ?= --users 40 --time 120
bench-load: setup
	$(PY) scripts/load/bench_load.py --workers $(WORKERS) $(LOAD)

bench-load-smoke: setup
	$(PY) scripts/load/bench_load.py --quick

check-config: setup
	$(PY) -m kpi check-config

clean:
	rm -rf $(VENV) .pytest_cache
