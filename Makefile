# deployment.django: demo and test entry points. Run as root on Debian 12.
#
#   make demo        deploy examples/notes into a local container, print its URL
#   make demo-clean  remove the demo container
#   make test        everything CI runs: lint, unit tests, sanity, Molecule
#   make bench       deploy and serving figures on this machine (docs/BENCHMARKS.md)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := $(CURDIR)/.venv
export PATH := $(VENV)/bin:$(PATH)
# Keep Ansible's collections and caches inside the checkout: runs never see
# a stale copy of this collection from the user's home.
export ANSIBLE_HOME := $(CURDIR)/.ansible
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/.ansible/collections
export ANSIBLE_FORCE_COLOR := 0
export PY_COLORS := 0

IMAGE := deployment-django/debian:bookworm
IMAGE_TRIXIE := deployment-django/debian:trixie
DEMO_NAME := deployment-django-demo
DEMO_PORT ?= 8080
# Scenarios with one host and no steady load on the site leave about half
# the processor idle: `make test` runs them beside the checks and the fast
# tests. The others (several hosts, or clients timing every answer during
# releases) run after, alone. Longest first in each.
SHARED_SCENARIOS ?= external_db default trixie
ALONE_SCENARIOS ?= multihost release gallery
SCENARIOS ?= $(ALONE_SCENARIOS) $(SHARED_SCENARIOS)

.PHONY: help venv engine image collection lint unit sanity galaxy-import molecule molecule-hosts molecule-shared molecule-alone test demo demo-clean bench

help:
	@sed -n 's/^#   //p' Makefile

venv: $(VENV)/.installed
$(VENV)/.installed: requirements/dev.txt requirements/constraints.txt
	tools/host-prerequisites.sh
	python3 -m venv $(VENV)
	for attempt in 1 2 3; do \
	  $(VENV)/bin/pip install -q -r requirements/dev.txt -c requirements/constraints.txt && break; \
	  [ $$attempt = 3 ] && exit 1; sleep $$((attempt * 5)); \
	done
	touch $@

# Checking tools whose pins clash with the main tools' get virtualenvs of
# their own: .cache/venvs/<name> from requirements/<name>.txt.
.cache/venvs/%/.installed: requirements/%.txt
	tools/tool-venv.sh $*

engine:
	tools/docker-engine.sh

image: engine
	tools/base-image.sh bookworm $(IMAGE)
	tools/base-image.sh trixie $(IMAGE_TRIXIE)

# Install this checkout as the deployment.django collection.
collection: venv
	rm -rf .cache/build && mkdir -p .cache/build
	ansible-galaxy collection build --force --output-path .cache/build . >/dev/null
	ansible-galaxy collection install --force -p $(ANSIBLE_COLLECTIONS_PATH) .cache/build/deployment-django-*.tar.gz >/dev/null

# What the parts that use the installed collection depend on; `make test`
# installs it once and runs its parts with COLLECTION= (tools/test-lanes.sh).
COLLECTION ?= collection

lint: $(COLLECTION) .cache/venvs/antsibull-changelog/.installed
	yamllint --strict .
	ansible-lint --offline
	.cache/venvs/antsibull-changelog/bin/antsibull-changelog lint

unit: $(COLLECTION)
	pytest -q -p no:cacheprovider -n 2 tests/unit tests/preflight

sanity: $(COLLECTION)
	tools/ansible-test-sanity.sh

# The checks Galaxy runs on an upload, on the tarball `collection` built.
galaxy-import: $(COLLECTION) .cache/venvs/galaxy-importer/.installed
	tools/galaxy-import.sh .cache/build/deployment-django-*.tar.gz

molecule: $(COLLECTION) molecule-hosts
	tools/molecule-suite.sh $(SCENARIOS)

# What every scenario's hosts and tests need on this machine.
molecule-hosts: image .cache/venvs/sslyze/.installed

# The two halves of the scenarios, for `make test`; the second adds its
# scenarios to the first's table (--continue).
molecule-shared: $(COLLECTION) molecule-hosts
	tools/molecule-suite.sh $(SHARED_SCENARIOS)
molecule-alone: $(COLLECTION) molecule-hosts
	tools/molecule-suite.sh --continue $(ALONE_SCENARIOS)

# Each part timed; the times are printed again at the end (with the
# scenarios' and their steps' from tools/molecule-suite.sh). Three lanes
# side by side (tools/test-lanes.sh): the checks, the fast tests, and the
# scenarios that leave the processor half idle; then the other scenarios.
CHECK_PARTS := lint sanity galaxy-import
FAST_TEST_PARTS := unit
test: collection
	@mkdir -p .cache && : > .cache/test-times
	@tools/test-lanes.sh "$(CHECK_PARTS)" "$(FAST_TEST_PARTS)" molecule-shared
	@tools/test-lanes.sh molecule-alone
	@echo; cat .cache/test-times .cache/molecule/summary .cache/molecule/table

demo: venv image collection
	tools/demo.sh up $(IMAGE) $(DEMO_NAME) $(DEMO_PORT)

demo-clean:
	tools/demo.sh down $(IMAGE) $(DEMO_NAME) $(DEMO_PORT)

bench: venv image collection
	benchmarks/bench.sh $(IMAGE)
