#!/usr/bin/env bash
# Run groups of `make` targets side by side, each group's targets one after
# the other, and print each target's output once it ends (kept in
# .cache/test-logs/<target>.log), so that two lanes never mix their lines.
# Each target's seconds are added to .cache/test-times. A failed target
# ends its lane; the other lanes still finish; the exit status is 1 when
# any target failed.
#
# `make test` runs three lanes: the checks (lint, sanity, galaxy-import),
# the fast tests (unit), and the Molecule scenarios that leave about half
# the processor idle (one host, no steady load: molecule-shared); then, in
# a lane of its own, the scenarios that keep both cores busy. The checks
# beside the fast tests took 393 s on a clean clone where one after the
# other had taken 630 s (sanity spends much of its time installing its own
# virtualenvs; neither lane keeps both cores busy all along). The
# collection is installed once before (the lanes get COLLECTION= so that
# no target reinstalls it under another lane's feet).
#
# Usage: tools/test-lanes.sh "TARGET [TARGET ...]" ["TARGET ...]" ...
set -uo pipefail

cd "$(dirname "$0")/.."
logs=.cache/test-logs
mkdir -p "$logs"
touch .cache/test-times

run_lane() {
  local target started rc
  for target in $1; do
    started=$(date +%s)
    make --no-print-directory COLLECTION= "$target" > "$logs/$target.log" 2>&1
    rc=$?
    echo "==== make $target: exit $rc after $(( $(date +%s) - started )) s ===="
    cat "$logs/$target.log"
    echo "make $target: $(( $(date +%s) - started )) s" >> .cache/test-times
    [ "$rc" -eq 0 ] || return "$rc"
  done
}

pids=()
for lane in "$@"; do
  run_lane "$lane" &
  pids+=("$!")
done
status=0
for pid in "${pids[@]}"; do
  wait "$pid" || status=1
done
exit "$status"
