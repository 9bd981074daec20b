# embedlab quickstart: `make demo` and `make test` set up everything they need.
#
# Torch: the CPU build is installed first so that nothing pulls a multi-GB CUDA build onto a CPU machine.
# With a GPU, override it: make test TORCH_SPEC="torch" TORCH_INDEX="--index-url https://download.pytorch.org/whl/cu128"

PYTHON ?= python3
VENV ?= .venv
TORCH_SPEC ?= torch==2.13.0
TORCH_INDEX ?=
EXTRAS ?= all,dev
PYTEST_ARGS ?=

BIN := $(VENV)/bin
STAMP := $(VENV)/.embedlab-installed

# The Hub is out of reach on our machines; offline mode makes a missing model fail at once instead of retrying.
export HF_HUB_OFFLINE ?= 1
export TRANSFORMERS_OFFLINE ?= 1
export HF_DATASETS_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false

.PHONY: setup demo test test-fast lint benchmarks clean

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "$(TORCH_SPEC)" $(TORCH_INDEX)
	# Pin whatever torch is now installed, so resolving the rest can never swap it for another build.
	# (Read from its metadata: importing torch before numpy is installed prints a "Failed to initialize NumPy" warning.)
	$(BIN)/python -c "import importlib.metadata as m; print('torch==' + m.version('torch'))" > $(VENV)/torch-constraint.txt
	$(BIN)/python -m pip install -q -c $(VENV)/torch-constraint.txt -e ".[$(EXTRAS)]"
	touch $@

demo: setup
	$(BIN)/embedlab demo

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: setup
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

benchmarks: setup
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) demo-output .pytest_cache .ruff_cache
