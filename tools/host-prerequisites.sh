#!/usr/bin/env bash
# What `make` needs on the controller beyond make itself: Python with venv,
# git, curl and tar, and shellcheck (without it, `ansible-test sanity` skips
# its check of the shell scripts). Installs the missing ones from the
# distribution.
set -euo pipefail
missing=()
"${PYTHON:-python3}" -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
for tool in git curl tar shellcheck; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "host-prerequisites: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    for attempt in 1 2 3; do
        apt-get update -q && apt-get install -y -q "${missing[@]}" && exit 0
        sleep $((attempt * 5))
    done
    exit 1
fi
