#!/usr/bin/env bash
# Make a virtualenv of its own for a checking tool whose pins clash with the
# main tools' (galaxy-importer, sslyze): .cache/venvs/NAME from
# requirements/NAME.txt. Network installs are retried.
#
# Made from $PYTHON (the Makefile's: the distribution's Python), else python3.
#
# Usage: tools/tool-venv.sh NAME
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1
venv=.cache/venvs/$name
rm -rf "$venv"
"${PYTHON:-python3}" -m venv "$venv"
for attempt in 1 2 3; do
  if "$venv/bin/pip" install -q --no-deps -r "requirements/$name.txt"; then
    touch "$venv/.installed"
    exit 0
  fi
  sleep $((attempt * 5))
done
echo "could not install requirements/$name.txt" >&2
exit 1
