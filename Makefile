# Entry points: `make demo` and `make test` work on a fresh machine (they install what they need).
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/$(VENV)/collections
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: venv test lint sanity unit integration demo bench reliability clean

venv:
	@bash scripts/setup-venv.sh

test: venv
	@bash scripts/run-tests.sh

unit: venv
	$(BIN)/pytest -q tests/unit

integration: venv
	$(BIN)/pytest -q tests/integration

clean:
	rm -rf $(VENV) tests/output .pytest_cache
