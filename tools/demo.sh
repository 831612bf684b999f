#!/usr/bin/env bash
# The demo: one local Debian container with systemd, deployed by the site
# playbook with inventories/local.
#   tools/demo.sh up|start|down IMAGE NAME PORT
#   up: start the container if needed, prepare it, deploy, print the URL
#   start: only start the container; down: remove it
set -euo pipefail
action=$1 image=$2 name=$3 port=$4
cd "$(dirname "$0")/.."

if [ "$action" = down ]; then
    docker rm -f "$name" >/dev/null 2>&1 || true
    echo "demo: removed $name"
    exit 0
fi

if ! docker inspect "$name" >/dev/null 2>&1; then
    # systemd as PID 1 without --privileged: the capabilities, cgroup and
    # tmpfs mounts it needs, and nothing more.
    docker run -d --name "$name" --hostname "$name" \
        --cap-add SYS_ADMIN --cap-add NET_ADMIN \
        --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
        --cgroupns host -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
        --tmpfs /run --tmpfs /run/lock --tmpfs /tmp \
        -e container=docker -p "127.0.0.1:${port}:80" "$image" >/dev/null
fi
[ "$action" = start ] && exit 0

# A demo admin, made once for the life of the demo's database by a
# once-only command; its password stays on this machine only.
secret=.cache/demo-admin-password
mkdir -p .cache
if [ ! -s "$secret" ]; then
    (umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(18))' > "$secret")
fi
extra=.cache/demo-admin.json
(umask 077 && python3 - "$secret" > "$extra" <<'PY'
import json, sys
password = open(sys.argv[1]).read().strip()
print(json.dumps({"app_once_commands": [{
    "name": "demo admin",
    "command": "createsuperuser --noinput --username admin --email admin@example.invalid",
    "environment": {"DJANGO_SUPERUSER_PASSWORD": password},
}]}))
PY
)

ansible-playbook -i inventories/local/hosts.yml molecule/resources/prepare.yml
ansible-playbook -i inventories/local/hosts.yml -e "@$extra" playbooks/site.yml

url="http://localhost:${port}/"
for _ in $(seq 1 30); do
    if curl -fsS "$url" | grep -q "Hello from the notes example"; then
        break
    fi
    sleep 1
done
curl -fsS "$url" >/dev/null
echo
echo "The example project answers at: $url"
echo "Its admin: ${url}admin/  user admin, password $(cat "$secret")  (kept in $secret)"
echo "Remove it with: make demo-clean"
