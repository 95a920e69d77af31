# Two commands on a fresh machine: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.cnnzoo-installed
export TF_CPP_MIN_LOG_LEVEL := 3

.PHONY: demo test fast lint bench exercises clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]' --config-settings editable_mode=compat
	touch $(STAMP)

# Keras' other backends (JAX, PyTorch), for the tests that run the zoo and checker on them.
$(VENV)/.cnnzoo-backends: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,backends]' --config-settings editable_mode=compat
	touch $@

demo: $(STAMP)
	$(BIN)/cnnzoo demo

lint: $(VENV)/.cnnzoo-backends
	$(BIN)/ruff check cnnzoo tests solutions exercises benchmarks

test: lint
	$(BIN)/python -m pytest -q tests cnnzoo --doctest-modules
	$(BIN)/python -m pytest -q exercises --grade-against solutions --grade-instructor
	$(BIN)/cnnzoo exercises build --check

# The fast loop while you work: all but the tests that load Keras or are slow, on every core.
fast: $(STAMP)
	$(BIN)/python -m pytest -q -n auto tests -m "not keras and not slow"

bench: $(STAMP)
	$(BIN)/python benchmarks/summary_speed.py

clean:
	rm -rf $(VENV) build *.egg-info
