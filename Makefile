# The two commands of the README: `make lab` and `make test`. Each creates .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.rnnlab-installed
EXTRAS ?= lab,test,train,browser,scale
# torch goes in before the extras so pip keeps this build: the CPU wheel by default; for CUDA
# `make install TORCH="torch --index-url https://download.pytorch.org/whl/cu124"`.
TORCH ?= torch==2.13.0
# Jupyter refuses to run as root (containers, cloud VMs) unless told; extra flags go in LAB_ARGS.
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: install lab app test bench clean

# `make install` (re)installs into .venv; EXTRAS picks the extras.
install:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet $(TORCH)
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $(STAMP)

$(STAMP): pyproject.toml
	$(MAKE) install

lab: $(STAMP)
	$(BIN)/jupyter lab $(LAB_ARGS) notebooks/00_index.ipynb

# The explorers as a standalone web app (Panel), outside Jupyter; extra flags go in APP_ARGS.
app: $(STAMP)
	$(BIN)/panel serve rnnlab/app.py --show $(APP_ARGS)

# Notebooks run in smoke mode (RNNLAB_SMOKE=1) inside the tests; figures render off-screen.
test: $(STAMP)
	RNNLAB_SMOKE=1 MPLBACKEND=Agg $(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_simulate.py
	$(BIN)/python benchmarks/bench_widget.py
	$(BIN)/python benchmarks/bench_widget_contraction.py
	$(BIN)/python benchmarks/bench_lp_weights.py
	$(BIN)/python benchmarks/bench_widget_organics.py
	$(BIN)/python benchmarks/bench_explorer_labels.py
	$(BIN)/python benchmarks/bench_meanfield.py
	$(BIN)/python benchmarks/bench_train_step.py
	$(BIN)/python benchmarks/bench_train_organics.py
	$(BIN)/python benchmarks/bench_parallel_time.py
	$(BIN)/python benchmarks/bench_parallel_train.py
	$(BIN)/python benchmarks/bench_sweep.py
	$(BIN)/python benchmarks/bench_ddp.py
	$(BIN)/python benchmarks/fuzz_report.py
	$(BIN)/python benchmarks/bench_browser_latency.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
