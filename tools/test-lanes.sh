#!/usr/bin/env bash
# Run groups of `make` targets side by side, each group's targets one after
# the other, and print each target's output once it ends (kept in
# .cache/test-logs/<target>.log), so that two lanes never mix their lines.
# Each target's seconds are added to .cache/test-times. A failed target
# ends its lane; the other lane still finishes; the exit status is 1 when
# any target failed.
#
# `make test` runs the checks (lint, sanity, galaxy-import) beside the fast
# tests (unit): on 2 cores and a clean clone the two lanes took 393 s where
# one after the other had taken 630 s (sanity spends much of its time
# installing its own virtualenvs; neither lane keeps both cores busy all
# along), in a checkout that has them 276 to 321 s against 346 s. The
# collection is installed once before (the lanes get COLLECTION= so that
# no target reinstalls it under the other lane's feet).
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
