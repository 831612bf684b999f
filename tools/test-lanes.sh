#!/usr/bin/env bash
# Run groups of `make` targets side by side, each group's targets one after
# the other, and print each target's output once it ends (kept in
# .cache/test-logs/<target>.log), so that two lanes never mix their lines.
# Each target's seconds are added to .cache/test-times. A failed target
# ends its lane; the other lanes still finish; the exit status is 1 when
# any target failed.
#
# `make test` runs three lanes first: the checks (lint, sanity,
# galaxy-import) then the trixie scenario; the fast tests (unit) then the
# default scenario; the external_db scenario. Then, in a lane of its own,
# the scenarios that keep both cores busy. The suite is bound by the
# processor: these scenarios and the checks keep about one core busy each.
# The collection and the base images are installed once before (the lanes
# get COLLECTION= and IMAGES= so that no target reinstalls them under
# another lane's feet).
#
# Usage: tools/test-lanes.sh "TARGET [TARGET ...]" ["TARGET ...]" ...
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
logs=.cache/test-logs
mkdir -p "$logs"
touch .cache/test-times

run_lane() {
  local target started rc
  for target in $1; do
    started=$(date +%s)
    make --no-print-directory COLLECTION= IMAGES= "$target" > "$logs/$target.log" 2>&1
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
