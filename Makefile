# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
# 127.0.0.1: this machine only. ADDRESS=0.0.0.0 serves a room (docs/serving-a-room.md).
ADDRESS ?= 127.0.0.1

.PHONY: run test test-fast browser bench bench-explorer bench-ensemble bench-sessions clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

## Start the dashboard on the embedded default scenario, for this machine only
## (ADDRESS=0.0.0.0 make run: for everyone who can reach it, see docs/serving-a-room.md).
## serve.py is app.py plus a "page not found" for unknown nested paths.
run: $(VENV)/.runtime
	$(BIN)/streamlit run serve.py --server.port $(PORT) --server.address $(ADDRESS) \
		--browser.gatherUsageStats false

## Install Debian's Chromium for the browser tests where this machine allows it.
browser:
	@bash .ci/install-browser.sh

## Everything: unit, property, app and real-browser tests. Two workers share the tests that
## assert no time (pytest-xdist, one per core); the timing tests then run alone, since a
## second test beside them would slow what they measure. (One process took 24 minutes.)
test: $(VENV)/.dev browser
	$(BIN)/python -m pytest -n 2 -m "not timing"
	$(BIN)/python -m pytest -m timing

## Model tests only (no app, no browser).
test-fast: $(VENV)/.dev
	$(BIN)/python -m pytest tests/model

## Speed ratios: the engine against the plain one-mask-per-wave baseline and construction
## plus a short cascade against the raw-array scan, phase_grid against one run per cell and
## with the clock on, venue mechanics, an hour on the clock at 1M, loading a 1M-row file,
## an hour of contagion over 5 markets at 1M accounts against the one-market clock
## (see docs/speed-and-memory.md).
bench: $(VENV)/.dev
	$(BIN)/python benchmarks/bench_cascade.py
	$(BIN)/python benchmarks/bench_sweep.py
	$(BIN)/python benchmarks/bench_venue.py
	$(BIN)/python benchmarks/bench_clock.py
	$(BIN)/python benchmarks/bench_files.py
	$(BIN)/python benchmarks/bench_contagion.py

## The Explorer in Chromium at 10K-2M traders: rerun times and server memory (minutes);
## then 1M with the clock on beside 1M without, taking turns; the Contagion page's reruns.
bench-explorer: $(VENV)/.dev browser
	$(BIN)/python benchmarks/bench_explorer.py
	$(BIN)/python benchmarks/bench_explorer.py --sizes 1M --clock --skip-memory
	$(BIN)/python benchmarks/bench_contagion_page.py --browser

## Ensemble throughput: books per second in process vs on a LocalCluster (see README).
bench-ensemble: $(VENV)/.dev
	$(BIN)/python benchmarks/bench_ensemble.py

## Many sessions on one server over Streamlit's websocket protocol (see README).
bench-sessions: $(VENV)/.dev
	$(BIN)/python benchmarks/bench_sessions.py --sessions 1 5 10

clean:
	rm -rf $(VENV) .pytest_cache artifacts static
