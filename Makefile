# Two entry points for a fresh machine with nothing but Python 3.11+:
#   make demo  — install Vigil and run it on its embedded defaults (SQLite, ./vigil-data)
#   make test  — install Vigil with its test extras; run ruff, mypy (strict) and every test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The lock: every install resolves against these exact versions.
CONSTRAINTS := requirements/constraints.txt
PIP_INSTALL := $(BIN)/pip install --disable-pip-version-check -q -c $(CONSTRAINTS)
export VIGIL_HOME ?= $(CURDIR)/vigil-data
PYTEST_WORKERS ?= 2

.PHONY: demo test lint typecheck security unit lock clean serve docs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Bytecode compiled once here: an editable install run with PYTHONDONTWRITEBYTECODE=1 would
# otherwise recompile every module at each `vigil` start (~0.07 s of a `vigil scan`).
$(VENV)/.installed: $(BIN)/python pyproject.toml $(CONSTRAINTS)
	$(PIP_INSTALL) -e .
	$(BIN)/python -m compileall -q src/vigil
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP_INSTALL) -e '.[test,train-core]'
	scripts/install_video.sh $(PIP_INSTALL)
	touch $@

demo: $(VENV)/.installed
	mkdir -p "$(VIGIL_HOME)"
	$(BIN)/vigil demo

serve: $(VENV)/.installed
	$(BIN)/vigil serve

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks scripts fuzz
	$(BIN)/ruff format --check src tests benchmarks scripts fuzz

# Supply chain and static security checks: bandit, no committed secrets, pip-audit of the lock.
security: $(VENV)/.installed-test
	$(BIN)/bandit -q -r src -ll
	$(BIN)/python scripts/check_secrets.py
	$(BIN)/python scripts/audit_dependencies.py

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

unit: $(VENV)/.installed-test
	$(BIN)/pytest -n $(PYTEST_WORKERS) --durations=15

test: lint typecheck security unit

# Re-resolve the lock after changing dependencies in pyproject.toml (needs network).
# torch is left out: pyproject pins the CPU build (2.13.0, found by pip on this project's
# machines); the CUDA packages PyPI's build would want stay in the lock as unused constraints.
lock: $(BIN)/python
	$(BIN)/pip install -q uv
	$(BIN)/uv pip compile pyproject.toml --extra test --extra video --extra train-core \
		--no-emit-package torch --python-version 3.11 -o $(CONSTRAINTS) --quiet

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache

docs: $(VENV)/.installed
	$(BIN)/python -m vigil.cli.reference > docs/cli.md
