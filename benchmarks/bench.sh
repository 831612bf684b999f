#!/usr/bin/env bash
# One benchmark run on this machine (`make bench`), on the demo container
# (recreated from scratch; `make demo` brings the demo back):
#   - wall seconds: a full converge of the site on a fresh container, an
#     idempotent re-run, a code-only release and a release with a migration
#     (the release playbook), and a code-only release by the site playbook;
#   - p99 latency and failed requests through nginx during a code-only
#     release under a steady load, for the example and for the example made
#     to import for 8 s, with the gunicorn instances' memory peak;
#   - served throughput inside the container (wrk, 16 connections, 10 s):
#     nginx + gunicorn against `manage.py runserver` for the same page, and
#     nginx against Django (runserver --insecure) for the same static file.
# Prints Markdown, and writes it with the machine's description to
# docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PWD/.venv/bin:$PATH ANSIBLE_HOME=$PWD/.ansible ANSIBLE_COLLECTIONS_PATH=$PWD/.ansible/collections
export ANSIBLE_CALLBACKS_ENABLED=ansible.posix.timer ANSIBLE_STDOUT_CALLBACK=ansible.builtin.null
image=${1:-deployment-django/debian:bookworm} name=deployment-django-demo port=${DEMO_PORT:-8080}
inventory=inventories/local/hosts.yml
out=docs/BENCHMARKS.md
mkdir -p docs
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

seconds() { # seconds COMMAND...: wall time of a command that must succeed
    local start end
    start=$(date +%s%N)
    "$@" >"$work/last.log" 2>&1 || { cat "$work/last.log" >&2; exit 1; }
    end=$(date +%s%N)
    awk -v ns=$((end - start)) 'BEGIN {printf "%.1f", ns / 1e9}'
}
in_box() { docker exec "$name" "$@"; }
wrk_rps() { # wrk_rps URL: requests per second, 16 connections, 10 s
    in_box wrk -t2 -c16 -d10s -H 'Host: localhost' "$1" | awk '/^Requests\/sec/ {print $2}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", a / b}'; }

echo "bench: fresh demo container" >&2
tools/demo.sh down "$image" "$name" "$port" >/dev/null
tools/demo.sh start "$image" "$name" "$port"
ansible-playbook -i "$inventory" molecule/resources/prepare.yml >/dev/null
in_box sh -c 'apt-get install -y -qq wrk hey procps >/dev/null'

echo "bench: converge, re-run" >&2
cold=$(seconds ansible-playbook -i "$inventory" playbooks/site.yml)
idem=$(seconds ansible-playbook -i "$inventory" playbooks/site.yml)

echo "bench: code-only release" >&2
cp -r examples/notes "$work/code"
sed -i 's/Hello from the notes example/Benchmark code-only release/' "$work/code/notes/templates/notes/index.html"
code=$(seconds ansible-playbook -i "$inventory" playbooks/release.yml -e app_source_path="$work/code")
curl -fsS "http://localhost:${port}/" | grep -q "Benchmark code-only release"

echo "bench: code-only release under load" >&2
cp -r "$work/code" "$work/loaded"
sed -i 's/Benchmark code-only release/Benchmark release under load/' "$work/loaded/notes/templates/notes/index.html"
# 4 clients at 25 requests/s each: a steady 100 requests/s through nginx.
in_box sh -c 'hey -z 600s -c 4 -q 25 -host localhost http://127.0.0.1/ > /tmp/hey-release.txt 2>&1 &'
sleep 3
loaded=$(seconds ansible-playbook -i "$inventory" playbooks/release.yml -e app_source_path="$work/loaded")
sleep 3
in_box pkill -INT hey
sleep 2
in_box cat /tmp/hey-release.txt > "$work/hey.txt"
p99=$(awk '$1 == "99%" {printf "%.0f ms", $3 * 1000}' "$work/hey.txt")
slowest=$(awk '$1 == "Slowest:" {printf "%.0f ms", $2 * 1000}' "$work/hey.txt")
answers=$(sed -n '/Status code distribution/,/^$/p' "$work/hey.txt" | awk '/\[/ {printf "%s%s x %s", sep, $1, $2; sep = ", "}')
errors=$(sed -n '/Error distribution/,$p' "$work/hey.txt" | awk '/\[/ {n += $1} END {print n + 0}')
curl -fsS "http://localhost:${port}/" | grep -q "Benchmark release under load"

echo "bench: release with a migration" >&2
cp -r "$work/loaded" "$work/migration"
sed -i 's/^    created = .*/&\n    pinned = models.BooleanField(default=False, db_default=False)/' "$work/migration/notes/models.py"
cat > "$work/migration/notes/migrations/0002_note_pinned.py" <<'PY'
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("notes", "0001_initial")]
    operations = [
        migrations.AddField(model_name="note", name="pinned", field=models.BooleanField(default=False, db_default=False)),
    ]
PY
migration=$(seconds ansible-playbook -i "$inventory" playbooks/release.yml -e app_source_path="$work/migration")

echo "bench: code-only release by the site playbook" >&2
cp -r "$work/migration" "$work/site"
sed -i 's/Benchmark release under load/Benchmark site release/' "$work/site/notes/templates/notes/index.html"
site=$(seconds ansible-playbook -i "$inventory" playbooks/site.yml -e app_source_path="$work/site")

echo "bench: a slow-starting app (8 s imports) released under load" >&2
# The example with an import that takes 8 s, as real projects' can: the
# first release makes it slow, the second is a code-only release of the
# slow app, measured under the same steady load. Memory: the resident
# memory of the gunicorn instances' processes sampled every 0.2 s (both sets
# of workers run between the new instance's start and the end of the old
# one's drain).
cp -r "$work/site" "$work/slow"
printf '\nimport time\n\ntime.sleep(8)  # a slow import, paid at every start\n' >> "$work/slow/notes/views.py"
ansible-playbook -i "$inventory" playbooks/release.yml -e app_source_path="$work/slow" >"$work/last.log" 2>&1 \
    || { cat "$work/last.log" >&2; exit 1; }
cp -r "$work/slow" "$work/slow2"
sed -i 's/Benchmark site release/Benchmark slow release/' "$work/slow2/notes/templates/notes/index.html"
# Resident memory of every process in the instances' slice (cgroup v1 or v2).
docker exec -i "$name" sh -c 'cat > /tmp/rss.sh' <<'SH'
#!/bin/sh
cg=$(systemctl show --property=ControlGroup --value 'system-gunicorn\x2dnotes.slice')
base=/sys/fs/cgroup; [ -d /sys/fs/cgroup/systemd ] && base=/sys/fs/cgroup/systemd
find "$base$cg" -name cgroup.procs -exec cat {} + 2>/dev/null | while read -r pid; do
    awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null
done | awk '{kb += $1} END {print kb * 1024}'
SH
in_box sh -c "peak=0; while true; do m=\$(sh /tmp/rss.sh); [ \$m -gt \$peak ] && peak=\$m && echo \$peak > /tmp/mem-peak; sleep 0.2; done >/dev/null 2>&1 &"
sleep 1
mem_before=$(in_box sh /tmp/rss.sh)
in_box sh -c 'hey -z 600s -c 4 -q 25 -t 5 -host localhost http://127.0.0.1/ > /tmp/hey-slow.txt 2>&1 &'
sleep 3
slow=$(seconds ansible-playbook -i "$inventory" playbooks/release.yml -e app_source_path="$work/slow2")
sleep 3
in_box pkill -INT hey
in_box pkill -f 'while true; do m='
sleep 2
mem_after=$(in_box sh /tmp/rss.sh)
mem_peak=$(in_box cat /tmp/mem-peak)
in_box cat /tmp/hey-slow.txt > "$work/hey-slow.txt"
slow_p99=$(awk '$1 == "99%" {printf "%.0f ms", $3 * 1000}' "$work/hey-slow.txt")
slow_slowest=$(awk '$1 == "Slowest:" {printf "%.0f ms", $2 * 1000}' "$work/hey-slow.txt")
slow_answers=$(sed -n '/Status code distribution/,/^$/p' "$work/hey-slow.txt" | awk '/\[/ {printf "%s%s x %s", sep, $1, $2; sep = ", "}')
slow_errors=$(sed -n '/Error distribution/,$p' "$work/hey-slow.txt" | awk '/\[/ {n += $1} END {print n + 0}')
mib() { awk -v b="$1" 'BEGIN {printf "%.0f MiB", b / 1048576}'; }
curl -fsS "http://localhost:${port}/" | grep -q "Benchmark slow release"

echo "bench: throughput" >&2
in_box systemd-run --quiet --unit=bench-runserver --uid=notes --gid=notes \
    --working-directory=/srv/notes/current -p EnvironmentFile=/etc/notes/notes.env \
    -E DJANGO_SETTINGS_MODULE=notesite.settings \
    /srv/notes/current/.venv/bin/python manage.py runserver --noreload --insecure 127.0.0.1:8000
for _ in $(seq 1 30); do
    in_box curl -fsS -o /dev/null -H 'Host: localhost' http://127.0.0.1:8000/ 2>/dev/null && break
    sleep 0.5
done
static=/static/notes/site.css
page_nginx=$(wrk_rps http://127.0.0.1/)
page_runserver=$(wrk_rps http://127.0.0.1:8000/)
static_nginx=$(wrk_rps "http://127.0.0.1$static")
static_django=$(wrk_rps "http://127.0.0.1:8000$static")
in_box systemctl stop bench-runserver.service
tools/demo.sh down "$image" "$name" "$port" >/dev/null

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
os=$(. /etc/os-release && echo "$PRETTY_NAME")
report=$(cat <<MD
One run of \`make bench\` on $(date -u +%Y-%m-%d): $(nproc) cores ($cpu), $mem,
$os, Linux $(uname -r); the app in one Debian 12 container with systemd
(PostgreSQL, gunicorn, nginx), the controller on the same machine.

| deploy step | wall seconds |
|---|---|
| full converge of the site on a fresh container (apt, PostgreSQL, pip, migrate, collectstatic, nginx) | $cold |
| idempotent re-run of the site (changes nothing) | $idem |
| code-only release (\`release.yml\`: build, probe, check, static linked, new instance started and checked, switch, drain) | $code |
| the same under a steady 100 requests/s through nginx | $loaded |
| release with a migration (\`release.yml\`: as above, plus pg_dump and migrate) | $migration |
| code-only release by the whole site playbook | $site |
| code-only release of the example made to import for 8 s, under the same load | $slow |

During the release under load (hey, 4 clients at 25 requests/s each, for
the whole release and 3 s either side): p99 latency $p99, slowest $slowest;
status codes: $answers; connection errors: $errors.

During the release of the slow-starting app (the same load, a 5 s client
timeout): p99 latency $slow_p99, slowest $slow_slowest; status codes:
$slow_answers; connection errors: $slow_errors. Resident memory of the
gunicorn instances (every process of their systemd slice): $(mib "$mem_before")
before, peak $(mib "$mem_peak") while both ran, $(mib "$mem_after") after.

| served throughput (wrk, 16 connections, 10 s, inside the container) | requests/s | ratio |
|---|---|---|
| home page (a database query): nginx + gunicorn | $page_nginx | $(ratio "$page_nginx" "$page_runserver")x |
| home page: \`manage.py runserver\` | $page_runserver | 1x |
| a static file (\`$static\`): nginx from disk | $static_nginx | $(ratio "$static_nginx" "$static_django")x |
| the same file: Django (\`runserver --insecure\`) | $static_django | 1x |
MD
)
echo "$report"
{
    echo "# Benchmarks"
    echo
    echo "Written by \`make bench\` (benchmarks/bench.sh): one run, on the machine named."
    echo
    echo "$report"
} > "$out"
