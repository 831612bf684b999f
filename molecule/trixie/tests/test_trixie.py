"""Debian 13 runs the same site: Django 6 on Python 3.13 behind gunicorn and
nginx, PostgreSQL 17, checked from the outside."""

import json
import re

HOME = "/srv/notes"


def get(host, path, sock=None):
    args = "curl -sS --max-time 10 -o /dev/stdout -w '\\n%%{http_code}' %s 'http://localhost%s'" % (
        "--unix-socket %s" % sock if sock else "",
        path,
    )
    body, status = host.check_output(args).rsplit("\n", 1)
    return int(status), body


def test_the_host_is_debian_13(host):
    assert host.system_info.distribution == "debian"
    assert host.system_info.release.startswith("13")


def test_django_6_on_python_3_13_serves_the_home_page_through_nginx(host):
    record = json.loads(host.file(HOME + "/current/.release.json").content_string)
    assert record["settings"]["django_version"].startswith("6.")
    version = host.check_output(HOME + "/current/.venv/bin/python -c 'import sys; print(sys.version_info[:2])'")
    assert version == "(3, 13)"
    status, body = get(host, "/")
    assert status == 200
    assert "Hello from the notes example" in body


def test_static_files_come_from_nginx_with_their_hashed_names(host):
    body = get(host, "/")[1]
    css = re.search(r'href="(/static/notes/site\.[0-9a-f]{12}\.css)"', body).group(1)
    assert get(host, css)[0] == 200
    assert get(host, css, sock="/run/gunicorn-notes/gunicorn.sock")[0] == 404


def test_postgresql_17_holds_the_migrated_schema(host):
    assert host.service("postgresql@17-main").is_running
    tables = host.check_output("runuser -u postgres -- psql -d notes -tAc \"SELECT count(*) FROM django_migrations WHERE app = 'notes'\"")
    assert int(tables) >= 1


def test_systemd_rates_the_gunicorn_unit_well_sandboxed(host):
    out = host.check_output("systemd-analyze security --offline=true --no-pager /etc/systemd/system/gunicorn-notes.service")
    exposure = float(re.search(r"Overall exposure level for gunicorn-notes.service: ([0-9.]+)", out).group(1))
    assert exposure <= 2.0, out
