#!/usr/bin/env bash
# The floor of `make bench`: the example project deployed by a plain script,
# no Ansible, the same stack the collection builds (nginx, PostgreSQL, a
# virtualenv built by uv from PyPI, gunicorn under a systemd socket, static
# files from nginx). It runs on the target, as root, fed over SSH:
#
#   ssh root@host bash -s first RELEASE MARKER < benchmarks/floor.sh
#   ssh root@host bash -s release RELEASE MARKER < benchmarks/floor.sh
#
# with the project's files already unpacked in /root/floor-src. "first"
# installs and configures everything, then releases; "release" makes a new
# release folder beside the old ones, reuses the virtualenv when the
# requirements did not change, migrates, collects static files, switches the
# `current` link and restarts gunicorn. Both return once nginx serves a page
# holding MARKER. What it does not do (the collection's work beyond the
# floor): checks of any kind, a deploy lock, backups, a second gunicorn
# instance, health checks before the switch, switching back.
set -euo pipefail
action=$1 release=$2 marker=$3
app=notes home=/srv/notes src=/root/floor-src
uv=/opt/floor-uv/bin/uv
export DEBIAN_FRONTEND=noninteractive UV_SYSTEM_CERTS=1 UV_CACHE_DIR=/var/cache/floor-uv UV_NO_PROGRESS=1

# The environment file's lines, one variable each, split by xargs as the
# file's own quoting asks.
# shellcheck disable=SC2046
as_app() { runuser -u "$app" -- env $(grep -v '^#' "/etc/$app/$app.env" | xargs) "$@"; }

if [ "$action" = first ]; then
    apt-get update -qq
    apt-get install -y -qq nginx postgresql python3-venv >/dev/null
    runuser -u postgres -- psql -q -c "CREATE ROLE $app LOGIN PASSWORD 'floor-only-password'"
    runuser -u postgres -- createdb -O "$app" "$app"
    useradd --system --home-dir "$home" --shell /usr/sbin/nologin "$app"
    install -d -o root -g root "$home" "$home/releases" "$home/venvs"
    install -d -o root -g "$app" -m 0750 /etc/$app
    python3 -m venv /opt/floor-uv
    /opt/floor-uv/bin/pip install -q uv==0.13.9
    cat > /etc/$app/$app.env <<ENV
DJANGO_SETTINGS_MODULE=notesite.settings
DJANGO_SECRET_KEY=floor-only-secret-key-0b6f3c1d9e8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1
DJANGO_ALLOWED_HOSTS=localhost,127.0.0.1
DATABASE_URL=postgres://$app:floor-only-password@localhost/$app
ENV
    chmod 0640 /etc/$app/$app.env && chgrp "$app" /etc/$app/$app.env
    cat > /etc/systemd/system/$app.socket <<UNIT
[Socket]
ListenStream=/run/$app.sock
SocketUser=www-data

[Install]
WantedBy=sockets.target
UNIT
    cat > /etc/systemd/system/$app.service <<UNIT
[Unit]
Requires=$app.socket
After=network.target

[Service]
User=$app
Group=$app
WorkingDirectory=$home/current
EnvironmentFile=/etc/$app/$app.env
ExecStart=$home/current/.venv/bin/gunicorn --workers 3 notesite.wsgi:application
UNIT
    cat > /etc/nginx/sites-available/$app <<SITE
server {
    listen 80 default_server;
    server_name localhost 127.0.0.1;
    location /static/ { alias $home/current/staticfiles/; }
    location / {
        proxy_set_header Host \$host;
        proxy_set_header X-Forwarded-Proto \$scheme;
        proxy_pass http://unix:/run/$app.sock;
    }
}
SITE
    rm -f /etc/nginx/sites-enabled/default
    ln -sfn /etc/nginx/sites-available/$app /etc/nginx/sites-enabled/$app
fi

# The release: its own folder, a virtualenv per requirements file.
path=$home/releases/$release
mkdir "$path"
cp -a "$src/." "$path/"
venv=$home/venvs/$(sha256sum "$path/requirements.txt" | cut -c1-16)
if [ ! -e "$venv/.complete" ]; then
    rm -rf "$venv"
    "$uv" venv -q --python /usr/bin/python3 "$venv"
    "$uv" pip install -q --python "$venv/bin/python" -r "$path/requirements.txt" gunicorn==23.0.0
    touch "$venv/.complete"
fi
ln -sfn "$venv" "$path/.venv"
install -d -o "$app" -g "$app" "$path/staticfiles"
cd "$path"
as_app .venv/bin/python manage.py migrate --noinput -v 0
as_app .venv/bin/python manage.py collectstatic --noinput -v 0
ln -sfn "$path" "$home/current.new" && mv -T "$home/current.new" "$home/current"
if [ "$action" = first ]; then
    systemctl daemon-reload
    systemctl enable --now -q $app.socket
    systemctl reload nginx
else
    systemctl restart $app.service
fi

# Served: nginx answers with the new release's page.
python3 - "$marker" <<'PY'
import sys, time, urllib.request
for _ in range(300):
    try:
        request = urllib.request.Request("http://127.0.0.1/", headers={"Host": "localhost"})
        if sys.argv[1] in urllib.request.urlopen(request, timeout=5).read().decode():
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.1)
sys.exit("the new release never answered")
PY
