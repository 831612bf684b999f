#!/usr/bin/env bash
# Run galaxy-importer, the checks Galaxy runs on an uploaded collection, on
# the tarball `make collection` built. Fails on any warning or error it
# reports, not only on a refused import. ansible-test is left out here (it
# wants a container of its own); `make sanity` runs it. So is ansible-lint
# while the importer's pin is the main tools' version: `make lint` runs that
# version with the same production profile, every rule the importer keeps and
# more, on every file the tarball holds (it was 40 of this check's 54 s).
#
# Usage: tools/galaxy-import.sh TARBALL
set -euo pipefail
cd "$(dirname "$0")/.."
tarball=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
lint_version() { "$1" -c 'from importlib.metadata import version; print(version("ansible-lint"))'; }
run_lint=True
if [ "$(lint_version .cache/venvs/galaxy-importer/bin/python)" = "$(lint_version .venv/bin/python)" ]; then
  echo "galaxy-import: ansible-lint is the version make lint runs; not run twice"
  run_lint=False
fi
cat > "$work/galaxy-importer.cfg" <<CFG
[galaxy-importer]
LOG_LEVEL_MAIN = INFO
RUN_ANSIBLE_TEST = False
RUN_ANSIBLE_LINT = $run_lint
CFG
# The importer points ansible-lint at the unpacked tarball alone; the
# collection's dependencies (from the main virtualenv's ansible package) are
# offered in an Ansible home of their own, so that their modules resolve.
deps=$(.venv/bin/python -c 'import ansible_collections; print(ansible_collections.__path__[0])')
mkdir -p "$work/home/collections/ansible_collections"
for namespace in community ansible; do
  ln -s "$deps/$namespace" "$work/home/collections/ansible_collections/$namespace"
done
cd "$work"
GALAXY_IMPORTER_CONFIG=$work/galaxy-importer.cfg \
ANSIBLE_HOME=$work/home \
PATH=$OLDPWD/.cache/venvs/galaxy-importer/bin:$PATH \
  python -m galaxy_importer.main "$tarball" 2>&1 | tee "$work/import.log"
if grep -E '^(WARNING|ERROR)' "$work/import.log"; then
  echo "galaxy-importer reported the problems above" >&2
  exit 1
fi
grep -q 'Importer processing completed successfully' "$work/import.log"
