#!/usr/bin/env bash
# Run `ansible-test sanity` on this checkout without a container registry:
# ansible-test needs the tree under ansible_collections/<namespace>/<name>
# and, for --venv, a pip bootstrap script it would otherwise download. The
# bootstrap written here installs pip with ensurepip and then pip installs
# what ansible-test asked for from the configured package index.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$root/.cache/sanity
dest=$work/ansible_collections/deployment/django
export HOME=$work/home

rm -rf "$dest"
mkdir -p "$dest" "$HOME"
(cd "$root" && git ls-files -co --exclude-standard -z | tar --null -T - -c) | tar -x -C "$dest"
# ansible-test lists the files git knows; the copy gets a repository of its
# own (the checkout's would hide it, since .cache/ is ignored there).
git -C "$dest" init -q
git -C "$dest" add -A

pip_version=$(python3 - <<'PY'
import re, ansible_test, pathlib
src = pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
print(re.search(r"pip='([0-9.]+)'", src.read_text()).group(1))
PY
)
cache=$HOME/.ansible/test/cache
mkdir -p "$cache/wheels"
# Every sanity test gets a virtualenv of its own, each bootstrapped with this
# pip: its wheel is fetched once, and the stand-in below installs it from
# there by running pip from the wheel itself. (ensurepip, then an upgrade to
# this version, cost every virtualenv a second pip install: 40 s of a
# first run's 100 s of processor time for virtualenvs.)
if ! ls "$cache/wheels/pip-$pip_version-"*.whl >/dev/null 2>&1; then
    for attempt in 1 2 3; do
        python3 -m pip download -q --no-deps --only-binary=:all: -d "$cache/wheels" "pip==$pip_version" && break
        [ "$attempt" = 3 ] && exit 1
        sleep $((attempt * 5))
    done
fi
cat > "$cache/get_pip_${pip_version//./_}.py" <<'PY'
"""Offline stand-in for get-pip.py: install pip from its cached wheel, with
pip run from that wheel. ansible-test asks for pip alone (--no-setuptools
--no-wheel)."""
import glob
import os
import subprocess
import sys

wheels = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wheels")
pip_wheel = sorted(glob.glob(os.path.join(wheels, "pip-*.whl")))[-1]
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(subprocess.call([sys.executable, os.path.join(pip_wheel, "pip"), "install", "--no-index", "--find-links", wheels] + args))
PY

cd "$dest"
py=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
ansible-test sanity --venv --python "$py" --color no "$@"
