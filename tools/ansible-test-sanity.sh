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
mkdir -p "$cache"
cat > "$cache/get_pip_${pip_version//./_}.py" <<'PY'
"""Offline stand-in for get-pip.py: ensurepip, then pip install the rest."""
import ensurepip
import os
import subprocess
import sys

saved = dict(os.environ)  # ensurepip drops the PIP_* settings of the caller
ensurepip.bootstrap(upgrade=True)
os.environ.clear()
os.environ.update(saved)
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install"] + args))
PY

cd "$dest"
py=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
ansible-test sanity --venv --python "$py" --color no "$@"
