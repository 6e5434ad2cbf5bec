# Two entry points for a fresh machine: `make demo` and `make test`.
# Both create .venv, install the CPU build of PyTorch first (so no CUDA wheels are pulled),
# then skmer in editable mode with its test extras.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.skmer-installed
PYTEST_ARGS ?= -n 2

.PHONY: install demo test test-min-deps lint bench docs clean

install: $(STAMP)

$(STAMP): setup.py pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[test,dask,docs]"
	@# musicnn only for its pretrained weights (skmer.pretrained); --no-deps: it pins TF 1 / old numpy
	$(PY) -m pip install --quiet --no-deps musicnn
	@echo "Compiling librosa's numba functions once (cached on disk) ..."
	$(PY) -c "from skmer.features.descriptors import import_librosa; import_librosa()"
	touch $(STAMP)

demo: install
	$(PY) examples/demo.py

lint: install
	$(VENV)/bin/ruff check .

test: install lint
	$(PY) -m pytest $(PYTEST_ARGS) tests

# The estimator / feature tests with every requirement at its setup.py floor
# (requirements/min.txt), in a separate .venv-min; not part of .ci/run (issue 15).
test-min-deps:
	PYTHON=$(PYTHON) bash .ci/min-deps $(PYTEST_ARGS)

bench: install
	$(PY) -m benchmarks quick

# HTML documentation in docs/_build/html (runs the gallery examples; warnings are errors)
docs: install
	$(PY) -m sphinx -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) .venv-min build *.egg-info .pytest_cache .ruff_cache .hypothesis
