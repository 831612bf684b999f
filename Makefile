# deployment.django: demo and test entry points. Run as root on Debian 12.
#
#   make demo        deploy examples/notes into a local container, print its URL
#   make demo-clean  remove the demo container
#   make test        everything CI runs: lint, unit tests, sanity, Molecule
#   make scenario-X  one Molecule scenario, molecule/X (make molecule: all)
#   make bench       deploy and serving figures on this machine (docs/BENCHMARKS.md)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := $(CURDIR)/.venv
# The Python the controller's virtualenvs are made from: the distribution's
# own, which a fresh Debian machine has. On a code-only release, Ansible on
# Debian 12's Python 3.11 used 10 to 20 % less processor than on a Python
# 3.11 compiled from source with its default options (README, Measured).
# `make PYTHON=...` picks another; remove .venv to remake it.
PYTHON ?= /usr/bin/python3
export PYTHON
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
# Longest first, for MOLECULE_LANES=2 (tools/molecule-suite.sh).
SCENARIOS ?= multihost release gallery external_db default trixie

.PHONY: help venv engine image collection lint unit sanity galaxy-import molecule test demo demo-clean bench

help:
	@sed -n 's/^#   //p' Makefile

venv: $(VENV)/.installed
$(VENV)/.installed: requirements/dev.txt requirements/constraints.txt
	tools/host-prerequisites.sh
	$(PYTHON) -m venv $(VENV)
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

molecule: $(COLLECTION) image .cache/venvs/sslyze/.installed
	tools/molecule-suite.sh $(SCENARIOS)

# One scenario (in `make test`, its times are added to the table of the
# ones before: MOLECULE_CONTINUE); trixie's tests also run sslyze.
IMAGES ?= image
scenario-%: $(COLLECTION) $(IMAGES)
	tools/molecule-suite.sh $*
scenario-trixie: .cache/venvs/sslyze/.installed

# Each part timed; the times are printed again at the end (with the
# scenarios' and their steps' from tools/molecule-suite.sh). The suite is
# bound by the processor, so the lanes (tools/test-lanes.sh) keep both
# cores busy without crowding them: first the checks, the fast tests and
# the scenarios with one host and no steady load on the site (each of those
# keeps about one core busy), three at a time; then the scenarios that keep
# both cores busy and time every answer during releases, one at a time.
TEST_LANES := "lint sanity galaxy-import scenario-trixie" "unit scenario-default" "scenario-external_db"
ALONE_SCENARIOS := scenario-multihost scenario-release scenario-gallery
test: collection image
	@mkdir -p .cache/molecule && : > .cache/test-times && : > .cache/molecule/summary && : > .cache/molecule/phases
	@MOLECULE_CONTINUE=1 tools/test-lanes.sh $(TEST_LANES)
	@MOLECULE_CONTINUE=1 tools/test-lanes.sh "$(ALONE_SCENARIOS)"
	@echo; cat .cache/test-times .cache/molecule/summary .cache/molecule/table

demo: venv image collection
	tools/demo.sh up $(IMAGE) $(DEMO_NAME) $(DEMO_PORT)

demo-clean:
	tools/demo.sh down $(IMAGE) $(DEMO_NAME) $(DEMO_PORT)

bench: venv image collection
	benchmarks/bench.sh $(IMAGE)
