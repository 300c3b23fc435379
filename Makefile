# Entry points: `make demo` and `make test` work on a fresh machine (they install what they need).
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/$(VENV)/collections
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: help system venv test lint sanity unit fleetsim integration molecule build docs ee demo bench reliability clean

help:
	@echo "make demo         web 2 rolled out on a simulated fleet (dev -> staging -> prod), a bad web 3 caught in dev and"
	@echo "                  rolled back (~3 min); prints one line per event, a table per environment, the board and record"
	@echo "make test         everything: ansible-lint, ansible-test sanity, unit, fleetsim, integration, molecule"
	@echo "make lint|sanity|unit|fleetsim|integration|molecule   one step of make test"
	@echo "make build        collection tarball in build/    make ee   execution-environment build context in build/ee/context/"
	@echo "make docs         docs site (antsibull-docs + guides) in build/docs/html"
	@echo "make reliability  every reliability scenario (tens of minutes)"
	@echo "make venv         (re)create .venv                make clean   remove .venv and test output"
	@echo "make system       apt-install missing system packages (kubectl, prometheus, shellcheck, chromium, ...)"
	@echo "make bench        benchmarks: rollout overhead, baseline, rollback, API cost, 200-cluster scale"

system:
	@bash scripts/setup-system.sh

venv:
	@bash scripts/setup-venv.sh

test:
	@bash scripts/run-tests.sh

lint:
	@PD_ONLY=ansible-lint bash scripts/run-tests.sh

sanity:
	@PD_ONLY=sanity bash scripts/run-tests.sh

unit:
	@PD_ONLY=unit bash scripts/run-tests.sh

fleetsim:
	@PD_ONLY=fleetsim bash scripts/run-tests.sh

integration:
	@PD_ONLY=integration bash scripts/run-tests.sh

molecule:
	@PD_ONLY=molecule bash scripts/run-tests.sh

# The collection tarball (BUILD_DIR=... puts it elsewhere; the install test builds into its own directory).
BUILD_DIR ?= build
build: venv
	@mkdir -p $(BUILD_DIR) && $(BIN)/ansible-galaxy collection build --force --output-path $(BUILD_DIR) .

# The docs site (antsibull-docs reference pages + the guides in docs/), offline, in build/docs/html.
docs: venv
	@bash scripts/build-docs.sh build/docs

ee: venv
	@bash scripts/ee-context.sh build/ee

# The demo: fleetsim (2 environment sets x 3 environments x 3 regions) + Prometheus, web 2 rolled out
# through dev -> staging -> prod, a bad web 3 caught in dev and rolled back; the fleet stops on exit.
demo:  # the demo needs no browser: skip chromium
	@PD_WITH_BROWSER=0 bash scripts/setup-system.sh
	@bash scripts/setup-venv.sh
	@bash scripts/demo.sh

# Every reliability scenario with its trial counts (about 45 minutes; tests/reliability/README.md); writes
# tests/reliability/results.md and lists every test's duration.
reliability: system venv
	@$(BIN)/pytest -q -p no:cacheprovider --timeout=3600 --durations=0 -o asyncio_default_fixture_loop_scope=function tests/reliability

# Benchmarks of issue 10 (not part of make test; long: see bench/README.md for run times).
bench: system venv
	@$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) tests/output .pytest_cache build context
