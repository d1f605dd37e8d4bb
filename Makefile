# One entry point for humans and CI. Every target creates .venv when it is missing.
# `make help` lists the targets: each one's `## ` comment below is its line there.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# A comma inside $(call ...) arguments.
, := ,
# make synth | diff | deploy | destroy: STAGE=prod is SessionStopper-prod (empty: cdk.json's
# stage, dev); CONTEXT passes more to the CDK CLI, e.g. CONTEXT='-c sweepDryRun=false' (synth:
# -c settings only).
STAGE ?=
CONTEXT ?=
export PYTHONPATH := lambda_src:.

.PHONY: help venv lambda-deps lint format typecheck test test-fast test-py313 fuzz demo local \
	invoke synth openapi bench e2e bootstrap diff deploy destroy constraints clean \
	spoke-template deploy-spoke stackset

help: ## list the targets, one line each
	@awk 'BEGIN { FS = ":[^#]*## " } /^[a-z0-9][a-z0-9-]*:.*## / { printf "make %-14s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)
	@echo "Variables: STAGE=<stage> (synth, bootstrap, diff, deploy, destroy, and the spoke targets;"
	@echo "  default cdk.json's: dev),"
	@echo "  CONTEXT='-c key=value ...' (more for the CDK CLI), PORT=<port> (local; default 3000),"
	@echo "  ARGS='...' (local: the local stack's options, e.g. --dry-run --verbose),"
	@echo "  EVENT=<file> (invoke: an event, e.g. local/events/api-stop.json; - for stdin),"
	@echo "  HUB_ROLE_ARN=, HUB_BUS_ARN=, EXTERNAL_ID= (deploy-spoke, the hub's; SPOKE_ROLE_NAME= too),"
	@echo "  OU_IDS=ou-...,ou-... (stackset; docs/multi-account.md)"
	@echo "[aws]: needs AWS credentials and the network. [net]: downloads (PyPI). Each target's first"
	@echo "  run also installs what it needs into .venv from PyPI (the demo's part: about 20 s)."

# The setup, in layers installed into the one .venv by the targets that need them, each once
# (a stamp per layer), each saying what it installs:
#   local: requirements-local.txt: the function's pins, moto, the `dfss` kit (demo, local, invoke)
#   cdk:   requirements.txt: the CDK app and its Node (synth, lambda-deps, diff, deploy, ...)
#   dev:   requirements-dev.txt: the test and lint tools (test, lint, typecheck, ...)
# constraints.txt pins every transitive dependency of every layer. uv (pinned below) installs
# them when it can be had from PyPI, into build/tools/uv with the system Python's pip; else pip
# does (slower). `make UV=` forces pip; `make UV=/path/to/uv` uses that uv.
UV_VERSION := 0.13.8
UV_HOME := build/tools/uv
UV ?= $(UV_HOME)/bin/uv
STAMP_LOCAL := $(VENV)/.installed-local
STAMP_CDK := $(VENV)/.installed-cdk
STAMP_DEV := $(VENV)/.installed-dev

# $(call pip_install,<arguments>): with uv when there is one, else with .venv's pip.
pip_install = if [ -n "$(UV)" ] && [ -x "$(UV)" ]; then "$(UV)" pip install --python $(PY) $(1); \
	else $(PY) -m pip install --disable-pip-version-check --no-compile $(1); fi
# $(call install_layer,<requirements file>,<what it is>): uv lists each package it installs, pip
# (the fallback) shows its progress.
define install_layer
	@echo "setup: installing $(2) into $(VENV) ($(1), pins from constraints.txt)"
	@$(call pip_install,-r $(1) -c constraints.txt)
endef

$(PY):
	@python=$$($(PYTHON) -c 'import sys; print(sys.executable) if sys.version_info >= (3, 11) else sys.exit(1)' 2>/dev/null) \
	  || { echo "setup: needs Python 3.11+ as $(PYTHON) (make PYTHON=python3.12 ...)" >&2; exit 1; }; \
	if [ "$(UV)" = "$(UV_HOME)/bin/uv" ] && [ ! -x "$(UV)" ]; then \
	  echo "setup: fetching the installer uv $(UV_VERSION) into $(UV_HOME) (once)"; \
	  $(PYTHON) -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --target $(UV_HOME) uv==$(UV_VERSION) \
	    || echo "setup: uv could not be installed; pip installs instead (slower)"; \
	fi; \
	echo "setup: creating $(VENV) with $$($(PYTHON) --version 2>&1)"; \
	if [ -n "$(UV)" ] && [ -x "$(UV)" ]; then \
	  "$(UV)" venv --quiet --python "$$python" $(VENV); \
	else \
	  $(PYTHON) -m venv $(VENV); \
	fi

$(STAMP_LOCAL): requirements-local.txt requirements-lambda.txt constraints.txt | $(PY)
	$(call install_layer,requirements-local.txt,the demo's layer: the function's pins$(,) moto$(,) dfss)
	@$(call pip_install,--quiet --no-deps --no-build-isolation -e .)
	@touch $@
	@echo "setup: the demo's layer is ready"

$(STAMP_CDK): requirements.txt requirements-lambda.txt constraints.txt $(STAMP_LOCAL)
	$(call install_layer,requirements.txt,the CDK app's layer: aws-cdk-lib$(,) cdk-nag$(,) Node.js (about 650 MB$(,) once))
	@touch $@
	@echo "setup: the CDK app's layer is ready"

$(STAMP_DEV): requirements-dev.txt requirements.txt requirements-local.txt constraints.txt $(STAMP_CDK)
	$(call install_layer,requirements-dev.txt,the test tools' layer: pytest$(,) ruff$(,) mypy$(,) type stubs)
	@touch $@
	@echo "setup: the test tools' layer is ready"

demo: $(STAMP_LOCAL) ## run the product end to end locally (emulator + moto), no AWS account (about 30 s the first time, 15 s after)
	$(PY) -m local.demo

# ARGS passes the local stack's own options, e.g. ARGS='--dry-run --verbose --protected ^qa-'
# (python -m local.stack --help lists them).
local: $(STAMP_LOCAL) ## serve the function's API on http://127.0.0.1:3000 (PORT=, ARGS=) against the local stack
	$(PY) -m local.stack $(if $(PORT),--port $(PORT)) $(ARGS)

# EVENT: a JSON event file (local/events/ has one per trigger; - reads standard input). The
# answer goes to standard output, the published messages and the function's logs to stderr.
invoke: $(STAMP_LOCAL) ## run the real handler once on EVENT=path.json against a fresh local stack, print its answer (about 3 s)
	@$(PY) -m local.invoke "$(EVENT)"

# The function's layer: requirements-lambda.txt's pins (constraints.txt for the rest) as arm64 /
# CPython 3.13 wheels from PyPI, in build/lambda-deps/python (infra/lambda_deps.py). Skipped,
# with no network, while its stamp matches the requirements. test, test-fast and synth depend
# on it (so a fresh clone's `make test` builds it first); diff, deploy and destroy build it
# after their credentials check (infra/cdk_cli.py): a shell without an account downloads nothing.
lambda-deps: $(STAMP_CDK) ## [net] build the function's dependencies layer at the tested pins (arm64, py3.13; about 30 s when stale)
	@PY313="$(PY313)" $(PY) -m infra.lambda_deps

# pytest-xdist spreads the suite over TEST_WORKERS processes (auto: one per core); each worker
# synthesizes the CDK apps its tests need once, and the checkov scans stay on one worker.
TEST_WORKERS ?= auto
test: lint typecheck lambda-deps ## lint, type checks and the whole test suite (about 9 min on 2 cores)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup

test-fast: $(STAMP_DEV) lambda-deps ## the test suite without the CDK synth tests, stopping at the first failure
	$(PY) -m pytest -m "not synth" -x -q

# The function deploys on Python 3.13 (docs/contracts.md); .venv may be older. This runs the
# function's tests on 3.13 in a venv of their own, holding the function's pins and the test tools
# only (requirements-py313.txt, constrained like .venv): pyenv's 3.13 or python3.13 on PATH, or
# PY313=/path/to/python3.13. Not part of `make test`: the first run installs from PyPI.
PY313 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) \
	$(shell command -v python3.13 2>/dev/null))
VENV313 ?= .venv313
test-py313: ## [net] the function's tests (unit, integration, properties) on Python 3.13, as deployed
	@if [ -z "$(PY313)" ]; then \
	  echo "test-py313: Python 3.13 is not present (no ~/.pyenv/versions/3.13*, no python3.13 on PATH); NOT RUN. Set PY313=/path/to/python3.13." >&2; \
	  exit 1; \
	fi
	@if [ ! -x $(VENV313)/bin/python ]; then \
	  echo "test-py313: creating $(VENV313) with $$($(PY313) --version)"; $(PY313) -m venv $(VENV313); \
	fi
	@$(VENV313)/bin/python -m pip install --quiet -r requirements-py313.txt -c constraints.txt
	$(VENV313)/bin/python -m pytest tests/unit tests/integration tests/properties -q -p no:cacheprovider

lint: $(STAMP_DEV) ## ruff: lint and format check
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP_DEV) ## ruff: format the code and fix what lint can
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

typecheck: $(STAMP_DEV) ## mypy --strict (about 1 min cold)
	$(PY) -m mypy

# Property tests only, each with FUZZ_FACTOR (tests/support/hypothesis_profiles.py) times the
# examples `make test` runs, randomized: a failure prints the seed and the example to replay.
fuzz: $(STAMP_DEV) ## the property tests with 25x the examples and a fresh seed
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -m property -q --hypothesis-show-statistics

bench: $(STAMP_DEV) ## run the benchmarks (ratios against baselines measured in the same run)
	$(PY) -m bench

# STAGE and CONTEXT reach the app as they do through `make diff` / `make deploy` (the CDK CLI's
# context), so an unknown or misspelled key fails here too, naming the closest one.
synth: lambda-deps ## synthesize the CDK stacks into cdk.out, offline (STAGE=, CONTEXT=; cdk-nag must be clean; about 30 s)
	@$(PY) -m infra.cdk_cli synth --stage "$(STAGE)" -- $(CONTEXT)

openapi: $(STAMP_LOCAL) ## regenerate docs/openapi.json from the code
	$(PY) -m session_stopper.entrypoints.openapi > docs/openapi.json

# The CDK CLI, pinned and run on .venv's Node (infra/cdk_cli.py); each target first checks for
# credentials and a region, and says what to set if either is missing.
bootstrap: $(STAMP_CDK) ## [aws] once per account: cdk bootstrap the region (and us-west-2 if elsewhere; about 3 min)
	@$(PY) -m infra.cdk_cli bootstrap --stage "$(STAGE)" -- $(CONTEXT)

diff: $(STAMP_CDK) ## [aws] what `make deploy` would change in the deployed stacks (STAGE=, CONTEXT=; about 1 min)
	@$(PY) -m infra.cdk_cli diff --stage "$(STAGE)" -- $(CONTEXT)

deploy: $(STAMP_CDK) ## [aws] deploy every stack of the stage (cdk deploy --all; STAGE=, CONTEXT=; about 5 min the first time)
	@$(PY) -m infra.cdk_cli deploy --stage "$(STAGE)" -- $(CONTEXT)

destroy: $(STAMP_CDK) ## [aws] delete the stage's stacks (cdk destroy --all; log groups are kept; about 5 min)
	@$(PY) -m infra.cdk_cli destroy --stage "$(STAGE)" -- $(CONTEXT)

# Hub and spoke (docs/multi-account.md). The spoke is a plain CloudFormation template, built
# offline like the hub's synth (cdk-nag must be clean) and deployed without the CDK CLI or a
# bootstrap in the member account (infra/spoke_deploy.py says why). The hub's values reach
# deploy-spoke through the environment, so the external id stays out of the process list.
export HUB_ROLE_ARN HUB_BUS_ARN EXTERNAL_ID SPOKE_ROLE_NAME OU_IDS
spoke-template: $(STAMP_CDK) ## the spoke template for member accounts, offline, into build/spoke/ (STAGE=; about 10 s)
	@$(PY) -m infra.spoke_template --stage "$(STAGE)"

deploy-spoke: spoke-template ## [aws] deploy the spoke into this shell's account, us-west-2 (HUB_ROLE_ARN=, HUB_BUS_ARN=, EXTERNAL_ID=; about 1 min)
	@$(PY) -m infra.spoke_deploy deploy --stage "$(STAGE)"

stackset: spoke-template ## print the aws CLI commands that roll the spoke out to OUs as a StackSet (OU_IDS=)
	@$(PY) -m infra.spoke_deploy stackset --stage "$(STAGE)"

# The real-AWS suite refuses to start without its settings (tests/e2e/conftest.py says which).
# DFSS_E2E_FUNCTION_NAME, DFSS_E2E_API_URL and AWS_REGION come from the shell, else from the
# outputs `make deploy` wrote (cdk.out/outputs-<stage>.json, STAGE= as for deploy).
e2e: $(STAMP_DEV) ## [aws] run tests/e2e against the deployed stack (make deploy's outputs; about 2 min)
	@$(PY) -m infra.cdk_cli e2e --stage "$(STAGE)" -- $(CONTEXT)

venv: $(STAMP_DEV) ## [net] create .venv with every layer (each target installs the layers it needs first)

constraints: $(STAMP_DEV) ## regenerate constraints.txt, the full pin set, from .venv
	$(PY) -m pip freeze --exclude-editable | sed '1i # Full transitive pin set, generated by `make constraints` from a fresh .venv.' > constraints.txt

clean: ## remove .venv (with the CDK CLI), cdk.out, build/ (the layer) and the tools' caches
	rm -rf $(VENV) cdk.out build .pytest_cache .mypy_cache .ruff_cache .hypothesis
