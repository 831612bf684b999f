#!/usr/bin/env bash
# One benchmark run on this machine (`make bench`), in fresh containers:
#   - deploys measured side by side: the plain-script floor
#     (benchmarks/floor.sh, over SSH), the collection over SSH with
#     pipelining (as real hosts are reached), and the collection over the
#     docker connection (as the tests run): first deploy, a re-run that
#     changes nothing, a code-only release, a release with a new requirement
#     and a release with a migration, each with its ratio to the floor and
#     the number of tasks it ran (the re-run and the code-only release three
#     times each, by the median, since one run on a shared machine can be off
#     by a second or two); a rolling release to two web hosts (and a
#     database host) against one host's release (three, by the median);
#   - a heavier requirements set (a CMS, a task queue and a C extension built
#     from source; 40 and more packages) installed by pip and by uv, cold and
#     again with one package changed;
#   - p99 latency and failed requests through nginx during a code-only
#     release under a steady load, for the example and for the example made
#     to import for 8 s, with the gunicorn instances' memory peak;
#   - served throughput inside the container (wrk, 16 connections, 10 s):
#     nginx + gunicorn against `manage.py runserver` for the same page, and
#     nginx against Django (runserver --insecure) for the same static file.
# Prints Markdown, and writes it with the machine's description to
# docs/BENCHMARKS.md. The demo container is recreated (`make demo` brings
# the demo back).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PWD/.venv/bin:$PATH ANSIBLE_HOME=$PWD/.ansible ANSIBLE_COLLECTIONS_PATH=$PWD/.ansible/collections
export ANSIBLE_CALLBACKS_ENABLED=ansible.posix.timer,ansible.posix.profile_tasks PROFILE_TASKS_TASK_OUTPUT_LIMIT=30
export ANSIBLE_STDOUT_CALLBACK=ansible.builtin.default ANSIBLE_NOCOLOR=1
image=${1:-deployment-django/debian:bookworm} name=deployment-django-demo port=${DEMO_PORT:-8080}
inventory=inventories/local/hosts.yml
out=docs/BENCHMARKS.md
# Each measured run's whole output, with every task's time (profile_tasks),
# for finding where the seconds go.
logs=.cache/bench
mkdir -p docs "$logs"
work=$(mktemp -d)
boxes=(bench-floor bench-ssh bench-db bench-web1 bench-web2 bench-pip)
cleanup() {
    docker rm -f "${boxes[@]}" >/dev/null 2>&1 || true
    docker network rm bench-net >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

seconds() { # seconds COMMAND...: wall time of a command that must succeed
    local start end
    start=$(date +%s%N)
    "$@" >"$work/last.log" 2>&1 || { cat "$work/last.log" >&2; exit 1; }
    end=$(date +%s%N)
    awk -v ns=$((end - start)) 'BEGIN {printf "%.1f", ns / 1e9}'
}
tasks() { # tasks NAME: what the last run's recap counts, every host together; keeps its log as NAME
    cp "$work/last.log" "$logs/$1.log"
    awk '/^PLAY RECAP/ {recap = 1; next}
         recap && / : ok=/ { for (i = 1; i <= NF; i++) { split($i, kv, "="); n[kv[1]] += kv[2] } }
         END { printf "%d run, %d skipped", n["ok"] + n["failed"], n["skipped"] }' "$work/last.log"
}
in_box() { docker exec "$name" "$@"; }
wrk_rps() { # wrk_rps URL: requests per second, 16 connections, 10 s
    in_box wrk -t2 -c16 -d10s -H 'Host: localhost' "$1" | awk '/^Requests\/sec/ {print $2}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", a / b}'; }
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
spread() { printf '%s\n' "$@" | sort -n | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%s-%s", lo, hi}'; }
page_has() { # page_has BOX TEXT: the box's nginx serves TEXT on /
    docker exec "$1" python3 -c 'import sys, urllib.request as u; sys.exit(sys.argv[1] not in u.urlopen(u.Request("http://127.0.0.1/", headers={"Host": "localhost"}), timeout=10).read().decode())' "$2"
}

# A fresh Debian container with systemd, reached over SSH as real hosts are:
# sshd and the bench's key are the bench's own, like wrk.
ssh_box() { # ssh_box NAME
    docker run -d --name "$1" --hostname "$1" --network bench-net \
        --cap-add SYS_ADMIN --cap-add NET_ADMIN \
        --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
        --cgroupns host -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
        --tmpfs /run --tmpfs /run/lock --tmpfs /tmp -e container=docker "$image" >/dev/null
    for _ in $(seq 1 60); do
        state=$(docker exec "$1" systemctl is-system-running 2>/dev/null || true)
        case $state in running|degraded) break ;; esac
        sleep 1
    done
    docker cp /etc/ssl/certs/ca-certificates.crt "$1:/usr/local/share/ca-certificates/controller-bundle.crt"
    docker exec "$1" sh -c 'update-ca-certificates >/dev/null 2>&1 && apt-get update -qq && apt-get install -y -qq openssh-server >/dev/null 2>&1'
    docker exec "$1" install -d -m 0700 /root/.ssh
    docker cp "$work/id.pub" "$1:/root/.ssh/authorized_keys"
    docker exec "$1" sh -c 'chown root:root /root/.ssh/authorized_keys && systemctl start ssh'
}
address() { docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"; }
ssh_opts=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ControlMaster=auto -o ControlPersist=60s)
on() { local box=$1; shift; ssh "${ssh_opts[@]}" -o ControlPath="$work/%h.ssh" -i "$work/id" "root@$(address "$box")" "$@"; }
ssh_inventory() { # ssh_inventory FILE DB_HOST WEB_HOST...: the example over SSH with pipelining
    local file=$1 db=$2; shift 2
    mkdir -p "$(dirname "$file")"
    ln -sfn "$PWD/inventories/local/group_vars" "$(dirname "$file")/group_vars"
    {
        echo "all:"
        echo "  children:"
        echo "    django_db: {hosts: {$db: {ansible_host: $(address "$db")}}}"
        echo "    django_web:"
        echo "      hosts:"
        for web in "$@"; do echo "        $web: {ansible_host: $(address "$web")}"; done
        echo "  vars:"
        echo "    ansible_connection: ssh"
        echo "    ansible_user: root"
        echo "    ansible_ssh_private_key_file: $work/id"
        echo "    ansible_ssh_common_args: -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"
        echo "    ansible_ssh_pipelining: true"
        echo "    ansible_python_interpreter: /usr/bin/python3"
    } > "$file"
}

add_migration() { # add_migration PROJECT: a new field and its migration
    sed -i 's/^    created = .*/&\n    pinned = models.BooleanField(default=False, db_default=False)/' "$1/notes/models.py"
    cat > "$1/notes/migrations/0002_note_pinned.py" <<'PY'
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("notes", "0001_initial")]
    operations = [
        migrations.AddField(model_name="note", name="pinned", field=models.BooleanField(default=False, db_default=False)),
    ]
PY
}

# The releases every way deploys, made once on the controller: release one
# (the example), three code-only changes, a new requirement, a migration.
cp -r examples/notes "$work/one"
sed -i 's/Hello from the notes example/Benchmark release one/' "$work/one/notes/templates/notes/index.html"
cp -r "$work/one" "$work/code"
sed -i 's/Benchmark release one/Benchmark code-only release/' "$work/code/notes/templates/notes/index.html"
# Two more code-only changes, for three code-only releases in a row.
for again in b c; do
    cp -r "$work/code" "$work/code-$again"
    sed -i "s/Benchmark code-only release/Benchmark code-only release $again/" "$work/code-$again/notes/templates/notes/index.html"
done
cp -r "$work/code" "$work/reqs"
sed -i 's/Benchmark code-only release/Benchmark new requirement/' "$work/reqs/notes/templates/notes/index.html"
echo 'idna==3.10' >> "$work/reqs/requirements.txt"
cp -r "$work/reqs" "$work/migrate"
sed -i 's/Benchmark new requirement/Benchmark migration/' "$work/migrate/notes/templates/notes/index.html"
add_migration "$work/migrate"

ssh-keygen -q -t ed25519 -N '' -f "$work/id"
docker network create bench-net >/dev/null

echo "bench: the plain-script floor over SSH" >&2
ssh_box bench-floor
floor() { # floor first|release SOURCE RELEASE MARKER: copy the code, run floor.sh
    on bench-floor "rm -rf /root/floor-src && mkdir /root/floor-src" &&
    tar -C "$2" -c . | on bench-floor tar -C /root/floor-src -x &&
    on bench-floor bash -s "$1" "$3" "'$4'" < benchmarks/floor.sh
}
floor_first=$(seconds floor first "$work/one" r1 "Benchmark release one")
floor_codes=()
for again in "" b c; do
    took=$(seconds floor release "$work/code${again:+-$again}" "r2$again" "Benchmark code-only release${again:+ $again}")
    floor_codes+=("$took")
done
floor_code=$(median "${floor_codes[@]}")
floor_reqs=$(seconds floor release "$work/reqs" r3 "Benchmark new requirement")
floor_migrate=$(seconds floor release "$work/migrate" r4 "Benchmark migration")
docker rm -f bench-floor >/dev/null
echo "bench: floor $floor_first / $floor_code [${floor_codes[*]}] / $floor_reqs / $floor_migrate s" >&2

echo "bench: the collection over SSH" >&2
ssh_box bench-ssh
ssh_inventory "$work/ssh/hosts.yml" bench-ssh bench-ssh
deploy() { # deploy INVENTORY PLAYBOOK SOURCE [ansible-playbook options]
    local inventory=$1 playbook=$2 source=$3
    shift 3
    ansible-playbook -i "$inventory" "playbooks/$playbook" -e app_source_path="$source" "$@"
}
ssh_first=$(seconds deploy "$work/ssh/hosts.yml" site.yml "$work/one"); ssh_first_tasks=$(tasks ssh-first)
page_has bench-ssh "Benchmark release one"
ssh_reruns=()
for again in 1 2 3; do
    took=$(seconds deploy "$work/ssh/hosts.yml" site.yml "$work/one"); ssh_rerun_tasks=$(tasks "ssh-rerun-$again")
    ssh_reruns+=("$took")
done
ssh_rerun=$(median "${ssh_reruns[@]}")
ssh_codes=()
for again in "" b c; do
    took=$(seconds deploy "$work/ssh/hosts.yml" release.yml "$work/code${again:+-$again}")
    ssh_codes+=("$took"); ssh_code_tasks=$(tasks "ssh-code${again:+-$again}")
    page_has bench-ssh "Benchmark code-only release${again:+ $again}"
done
ssh_code=$(median "${ssh_codes[@]}")
ssh_reqs=$(seconds deploy "$work/ssh/hosts.yml" release.yml "$work/reqs"); ssh_reqs_tasks=$(tasks ssh-requirement)
ssh_migrate=$(seconds deploy "$work/ssh/hosts.yml" release.yml "$work/migrate"); ssh_migrate_tasks=$(tasks ssh-migration)
page_has bench-ssh "Benchmark migration"
docker rm -f bench-ssh >/dev/null
echo "bench: SSH $ssh_first ($ssh_first_tasks) / $ssh_rerun [${ssh_reruns[*]}] ($ssh_rerun_tasks) / $ssh_code [${ssh_codes[*]}] ($ssh_code_tasks) / $ssh_reqs / $ssh_migrate s" >&2

echo "bench: a rolling release to two web hosts over SSH" >&2
for box in bench-db bench-web1 bench-web2; do ssh_box "$box"; done
ssh_inventory "$work/rolling/hosts.yml" bench-db bench-web1 bench-web2
echo "app_serial: 1" > "$work/rolling/serial.yml"
deploy "$work/rolling/hosts.yml" site.yml "$work/one" -e "@$work/rolling/serial.yml" >"$work/last.log" 2>&1 \
    || { cat "$work/last.log" >&2; exit 1; }
# Three in a row, by the median, as for one host: a single run measured
# 39.2 s where three more right after took 24.9 to 27.1 s.
rollings=()
for again in "" b c; do
    took=$(seconds deploy "$work/rolling/hosts.yml" release.yml "$work/code${again:+-$again}" -e "@$work/rolling/serial.yml")
    rollings+=("$took"); rolling_tasks=$(tasks "ssh-rolling${again:+-$again}")
    page_has bench-web1 "Benchmark code-only release${again:+ $again}" && page_has bench-web2 "Benchmark code-only release${again:+ $again}"
done
rolling=$(median "${rollings[@]}")
docker rm -f bench-db bench-web1 bench-web2 >/dev/null
echo "bench: rolling $rolling [${rollings[*]}] s ($rolling_tasks)" >&2

echo "bench: a heavier requirements set, pip and uv" >&2
# Wagtail (a CMS), Celery with Redis, and psycopg2 built from source: the
# C extension's build is part of the cold figures.
cat > "$work/heavy.txt" <<'REQ'
wagtail==7.2.1
celery[redis]==5.5.3
django-storages[s3]==1.14.6
sentry-sdk==2.46.0
whitenoise==6.11.0
psycopg2==2.9.10
REQ
sed 's/^sentry-sdk==.*/sentry-sdk==2.45.0/' "$work/heavy.txt" > "$work/heavy-changed.txt"
ssh_box bench-pip
on bench-pip 'apt-get install -y -qq python3-venv python3-dev gcc libpq-dev >/dev/null && python3 -m venv /opt/uv && /opt/uv/bin/pip install -q uv==0.13.9'
tar -C "$work" -c heavy.txt heavy-changed.txt | on bench-pip tar -C /root -x
heavy_pip() { on bench-pip "python3 -m venv /root/pip-$1 && /root/pip-$1/bin/pip install -q --no-binary psycopg2 -r /root/$2"; }
heavy_uv() { on bench-pip "UV_SYSTEM_CERTS=1 UV_NO_PROGRESS=1 /opt/uv/bin/uv venv -q /root/uv-$1 && UV_SYSTEM_CERTS=1 UV_NO_PROGRESS=1 /opt/uv/bin/uv pip install -q --no-binary psycopg2 --python /root/uv-$1/bin/python -r /root/$2"; }
pip_cold=$(seconds heavy_pip a heavy.txt)
pip_warm=$(seconds heavy_pip b heavy-changed.txt)
uv_cold=$(seconds heavy_uv a heavy.txt)
uv_warm=$(seconds heavy_uv b heavy-changed.txt)
heavy_count=$(on bench-pip "/root/uv-a/bin/python -c 'import importlib.metadata as m; print(len(list(m.distributions())))'")
docker rm -f bench-pip >/dev/null
echo "bench: $heavy_count packages: pip $pip_cold / $pip_warm s, uv $uv_cold / $uv_warm s" >&2

echo "bench: fresh demo container" >&2
tools/demo.sh down "$image" "$name" "$port" >/dev/null
tools/demo.sh start "$image" "$name" "$port"
ansible-playbook -i "$inventory" molecule/resources/prepare.yml >/dev/null
in_box sh -c 'apt-get install -y -qq wrk hey procps >/dev/null'

echo "bench: converge, re-run" >&2
cold=$(seconds ansible-playbook -i "$inventory" playbooks/site.yml); cold_tasks=$(tasks docker-first)
idem=$(seconds ansible-playbook -i "$inventory" playbooks/site.yml); idem_tasks=$(tasks docker-rerun)

echo "bench: code-only release (docker connection)" >&2
cp -r examples/notes "$work/demo-code"
sed -i 's/Hello from the notes example/Benchmark code-only release/' "$work/demo-code/notes/templates/notes/index.html"
code=$(seconds ansible-playbook -i "$inventory" playbooks/release.yml -e app_source_path="$work/demo-code"); code_tasks=$(tasks docker-code)
curl -fsS "http://localhost:${port}/" | grep -q "Benchmark code-only release"

echo "bench: code-only release under load" >&2
cp -r "$work/demo-code" "$work/loaded"
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
add_migration "$work/migration"
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
# The old instance stops from a timer after its drain, after the deploy
# returned: measure only once none is pending.
drained() { in_box sh -c 'while systemctl list-units --plain --no-legend "gunicorn-notes-retire-*" | grep -q .; do sleep 0.5; done'; }
drained
in_box sh -c "peak=0; while true; do m=\$(sh /tmp/rss.sh); [ \$m -gt \$peak ] && peak=\$m && echo \$peak > /tmp/mem-peak; sleep 0.2; done >/dev/null 2>&1 &"
sleep 1
mem_before=$(in_box sh /tmp/rss.sh)
in_box sh -c 'hey -z 600s -c 4 -q 25 -t 5 -host localhost http://127.0.0.1/ > /tmp/hey-slow.txt 2>&1 &'
sleep 3
slow=$(seconds ansible-playbook -i "$inventory" playbooks/release.yml -e app_source_path="$work/slow2")
sleep 3
in_box pkill -INT hey
drained
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
$os, Linux $(uname -r); fresh Debian 12 containers with systemd
(the app's host runs PostgreSQL, gunicorn and nginx), the controller on the same machine.

Deploys of the example, each way on fresh containers in this one run:
the plain-script floor (\`benchmarks/floor.sh\`: the same stack, no
checks, no second instance, no way back), the collection over SSH with
pipelining (as real hosts are reached), the collection over the docker
connection (as the tests run). Seconds, ratio to the floor, tasks.

| deploy | floor (script, SSH) | collection, SSH | ratio | tasks | collection, docker | tasks |
|---|---|---|---|---|---|---|
| first deploy (apt, PostgreSQL, virtualenv, migrate, collectstatic, units, nginx) | $floor_first | $ssh_first | $(ratio "$ssh_first" "$floor_first")x | $ssh_first_tasks | $cold | $cold_tasks |
| re-run that changes nothing (site playbook; median of 3, $(spread "${ssh_reruns[@]}")) | - | $ssh_rerun | - | $ssh_rerun_tasks | $idem | $idem_tasks |
| code-only release (\`release.yml\`; median of 3: floor $(spread "${floor_codes[@]}"), collection $(spread "${ssh_codes[@]}")) | $floor_code | $ssh_code | $(ratio "$ssh_code" "$floor_code")x | $ssh_code_tasks | $code | $code_tasks |
| release with a new requirement (a new virtualenv) | $floor_reqs | $ssh_reqs | $(ratio "$ssh_reqs" "$floor_reqs")x | $ssh_reqs_tasks | | |
| release with a migration (the collection also dumps the database first) | $floor_migrate | $ssh_migrate | $(ratio "$ssh_migrate" "$floor_migrate")x | $ssh_migrate_tasks | | |
| rolling code-only release, two web hosts one at a time, database on a third (median of 3, $(spread "${rollings[@]}")) | - | $rolling | $(ratio "$rolling" "$ssh_code")x one host's | $rolling_tasks | | |

A heavier requirements set (Wagtail, Celery with Redis, django-storages,
Sentry, WhiteNoise, psycopg2 built from source: $heavy_count packages)
into a new virtualenv on a fresh container, cold (empty caches) and again
with one package changed (caches warm):

| installer | cold | one package changed |
|---|---|---|
| pip | $pip_cold | $pip_warm |
| uv | $uv_cold | $uv_warm |

| serving step (docker connection, the demo container) | wall seconds |
|---|---|
| code-only release under a steady 100 requests/s through nginx | $loaded |
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
