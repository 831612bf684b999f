#!/usr/bin/env bash
# Run Molecule scenarios, each in full (`molecule test`), LANES of them at a
# time (MOLECULE_LANES, default 1), keeping every scenario's output in
# .cache/molecule/<scenario>.log and the seconds of each of its steps in
# .cache/molecule/phases. The table of those times is printed at the end
# (and kept in .cache/molecule/table).
#
# Scenarios start in the order given, each as soon as a lane is free: give
# the longest first. Two lanes proved no faster on 2 cores (the scenarios
# are bound by the processor, not by waits: release and multihost side by
# side took 1130 s, one after the other 1086 s; the whole suite in two
# lanes, multihost alone, 2270 s, about what one lane took), hence one by
# default. Their containers, networks and ephemeral folders have
# names of their own, so two can run side by side; the collection is
# installed once before (`make collection`; Molecule's own prerun is off in
# .config/molecule/config.yml, as two runs would reinstall it under each
# other's feet).
#
# A long suite's output is usually read from its end: when a scenario fails,
# the failing tasks and tests are printed again after the table, with the
# lines around them, so the cause is on screen without scrolling back.
#
# The containers share uv's and pip's download caches
# (molecule/resources/create.yml).
#
# With MOLECULE_CONTINUE=1, the scenarios' lines and times are added to
# those of the runs before (`make test` runs its scenarios in several lanes
# and parts), and the table printed at the end holds them all.
#
# Usage: [MOLECULE_LANES=N] [MOLECULE_CONTINUE=1] tools/molecule-suite.sh SCENARIO [SCENARIO ...]
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
logs=.cache/molecule
lanes=${MOLECULE_LANES:-1}
mkdir -p "$logs"
continuing=0
if [ "${MOLECULE_CONTINUE:-}" = 1 ]; then
  continuing=1
  touch "$logs/summary" "$logs/phases"
else
  : > "$logs/summary"
  : > "$logs/phases"
fi

# Copy Molecule's output for one scenario into its log, noting when each
# step ("[default > converge] Executing" ... "Executed") starts and ends.
log_with_phases() {
  local scenario=$1 line now began=0
  local start_re="\\[$scenario > ([a-z_]+)\\] Executing\$"
  local end_re="\\[$scenario > ([a-z_]+)\\] .*Executed"
  while IFS= read -r line; do
    printf '%s\n' "$line"
    if [[ $line =~ $start_re ]]; then
      printf -v began '%(%s)T' -1
    elif [[ $line =~ $end_re ]]; then
      printf -v now '%(%s)T' -1
      echo "$scenario ${BASH_REMATCH[1]} $(( now - began ))" >> "$logs/phases"
    fi
  done > "$logs/$scenario.log"
}

run_scenario() {
  local scenario=$1 started rc
  started=$(date +%s)
  molecule test --scenario-name "$scenario" 2>&1 | log_with_phases "$scenario"
  rc=${PIPESTATUS[0]}
  echo "scenario $scenario: exit $rc after $(( $(date +%s) - started )) s" | tee -a "$logs/summary"
  return "$rc"
}

suite_started=$(date +%s)
declare -A scenario_of=()
failed=()
queue=("$@")
while [ "${#queue[@]}" -gt 0 ] || [ "${#scenario_of[@]}" -gt 0 ]; do
  if [ "${#queue[@]}" -gt 0 ] && [ "${#scenario_of[@]}" -lt "$lanes" ]; then
    echo "scenario ${queue[0]}: started (log: $logs/${queue[0]}.log)"
    run_scenario "${queue[0]}" &
    scenario_of[$!]=${queue[0]}
    queue=("${queue[@]:1}")
    continue
  fi
  # One lane ends; later scenarios still run after a failure, so one flaky
  # step does not hide others.
  wait -n -p ended
  rc=$?
  if [ "$rc" -ne 0 ]; then
    failed+=("${scenario_of[$ended]}")
  fi
  unset "scenario_of[$ended]"
done

# Seconds per scenario and step (both destroys counted under destroy).
echo
# The wall time is this run's: left out when the table holds earlier runs.
awk -v lanes="$lanes" -v continuing="$continuing" -v total="$(( $(date +%s) - suite_started ))" '
  { secs[$1, $2] += $3; if (!($1 in seen)) { seen[$1] = 1; names[++m] = $1 } }
  END {
    split("destroy create prepare converge idempotence side_effect verify", cols, " ")
    printf "%-12s", "scenario"; for (c = 1; c <= 7; c++) printf " %11s", cols[c]; printf " %7s\n", "total"
    for (i = 1; i <= m; i++) {
      sum = 0; printf "%-12s", names[i]
      for (c = 1; c <= 7; c++) { v = secs[names[i], cols[c]] + 0; sum += v; printf " %11d", v }
      printf " %7d\n", sum
    }
    if (!continuing) printf "molecule: %d s of wall time in %d lane(s)\n", total, lanes
  }
' "$logs/phases" | tee "$logs/table"

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
