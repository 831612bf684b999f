#!/usr/bin/env bash
# Run Molecule scenarios one after the other, each in full (`molecule test`),
# keeping every scenario's output in .cache/molecule/<scenario>.log.
#
# A long suite's output is usually read from its end: when a scenario fails,
# the failing tasks and tests are printed again after the last scenario, with
# the lines around them, so the cause is on screen without scrolling back.
#
# Usage: tools/molecule-suite.sh SCENARIO [SCENARIO ...]
set -uo pipefail

cd "$(dirname "$0")/.."
logs=.cache/molecule
mkdir -p "$logs"
: > "$logs/summary"

failed=()
for scenario in "$@"; do
  started=$(date +%s)
  molecule test --scenario-name "$scenario" 2>&1 | tee "$logs/$scenario.log"
  rc=${PIPESTATUS[0]}
  echo "scenario $scenario: exit $rc after $(( $(date +%s) - started )) s" | tee -a "$logs/summary"
  if [ "$rc" -ne 0 ]; then
    failed+=("$scenario")
    # Later scenarios still run: one flaky step should not hide others.
  fi
done

if [ "${#failed[@]}" -eq 0 ]; then
  exit 0
fi

for scenario in "${failed[@]}"; do
  echo
  echo "==== $scenario failed (whole output: $logs/$scenario.log) ===="
  # Colour codes and Molecule's nesting marks off first.
  sed -e 's/\x1b\[[0-9;]*m//g' -e 's/^ *│ //' "$logs/$scenario.log" > "$logs/$scenario.plain"
  # Each failed task (retries aside) under its play step and task name, cut
  # to a readable length; then pytest's failed tests and their assertions.
  awk '
    /^INFO +\[/ { step = $0 }
    /^TASK \[/ { task = $0 }
    /^(fatal|failed): |^ERROR! / {
      print step; print task; print substr($0, 1, 1500); print ""
    }
  ' "$logs/$scenario.plain" | tail -n 40
  grep -E '^_+ test_|^E +|^(FAILED|ERROR) ' "$logs/$scenario.plain" | grep -v 'FAILED - RETRYING' | head -n 40
done
echo "failed scenarios: ${failed[*]}"
exit 1
