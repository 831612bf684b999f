#!/usr/bin/env bash
# Wall times of the site playbook on the demo container (a fresh Debian 12
# container with systemd): a cold deploy, an idempotent re-run, and a
# code-only release (new template, same requirements). Prints a Markdown
# table for the README. Run from the repository root after `make demo` has
# installed the tools:  benchmarks/deploy-times.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1}
export PATH=$PWD/.venv/bin:$PATH ANSIBLE_HOME=$PWD/.ansible ANSIBLE_COLLECTIONS_PATH=$PWD/.ansible/collections
export ANSIBLE_CALLBACKS_ENABLED=ansible.posix.timer ANSIBLE_STDOUT_CALLBACK=ansible.builtin.null
image=deployment-django/debian:bookworm name=deployment-django-demo port=${DEMO_PORT:-8080}
inventory=inventories/local/hosts.yml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

seconds() {
    local start end
    start=$(date +%s%N); "$@" >/dev/null; end=$(date +%s%N)
    awk -v ns=$((end - start)) 'BEGIN {printf "%.2f\n", ns / 1e9}'
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

declare -a cold idem code
for run in $(seq 1 "$runs"); do
    tools/demo.sh down "$image" "$name" "$port" >/dev/null
    tools/demo.sh start "$image" "$name" "$port"
    ansible-playbook -i "$inventory" molecule/resources/prepare.yml >/dev/null
    cold+=("$(seconds ansible-playbook -i "$inventory" playbooks/site.yml)")
    idem+=("$(seconds ansible-playbook -i "$inventory" playbooks/site.yml)")
    rm -rf "$work/notes" && cp -r examples/notes "$work/notes"
    sed -i "s/Hello from the notes example/Benchmark release $run/" "$work/notes/notes/templates/notes/index.html"
    code+=("$(seconds ansible-playbook -i "$inventory" playbooks/site.yml -e app_source_path="$work/notes")")
    curl -fsS "http://localhost:${port}/" | grep -q "Benchmark release $run"
done
tools/demo.sh down "$image" "$name" "$port" >/dev/null

echo "| site playbook on one fresh Debian 12 container, $(nproc) cores, median of $runs | seconds |"
echo "|---|---|"
printf '| cold deploy (apt, PostgreSQL, virtualenv, migrate, collectstatic, nginx) | %.1f |\n' "$(printf '%s\n' "${cold[@]}" | median)"
printf '| idempotent re-run (changes nothing) | %.1f |\n' "$(printf '%s\n' "${idem[@]}" | median)"
printf '| code-only release (build, probe, migrate, collectstatic, switch, HUP, checks) | %.1f |\n' "$(printf '%s\n' "${code[@]}" | median)"
