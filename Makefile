# The two commands of the README: `make lab` and `make test`. Each creates .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.rnnlab-installed
EXTRAS ?= lab,test
# Jupyter refuses to run as root (containers, cloud VMs) unless told; extra flags go in LAB_ARGS.
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: install lab test bench clean

# `make install EXTRAS=lab,test,train` adds the training side to an existing .venv.
install:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $(STAMP)

$(STAMP): pyproject.toml
	$(MAKE) install

lab: $(STAMP)
	$(BIN)/jupyter lab $(LAB_ARGS) notebooks/00_index.ipynb

# Notebooks run in smoke mode (RNNLAB_SMOKE=1) inside the tests; figures render off-screen.
test: $(STAMP)
	RNNLAB_SMOKE=1 MPLBACKEND=Agg $(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_simulate.py
	$(BIN)/python benchmarks/bench_widget.py
	$(BIN)/python benchmarks/bench_widget_contraction.py
	$(BIN)/python benchmarks/bench_lp_weights.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
