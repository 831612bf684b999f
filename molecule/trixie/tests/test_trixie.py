"""Debian 13 runs the same site: Django 6 on Python 3.13 behind gunicorn and
nginx, PostgreSQL 17, over HTTPS, checked from the outside."""

import json
import os
import pathlib
import re
import subprocess
import tomllib

HOME = "/srv/notes"
ROOT = pathlib.Path(__file__).resolve().parents[3]
TLS_DIR = pathlib.Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent")) / "tls"
SSLYZE = ROOT / ".cache" / "venvs" / "sslyze" / "bin" / "sslyze"


def get(host, path, sock=None):
    """A page as the host itself sees it: through nginx over HTTPS, or from
    gunicorn's socket as nginx asks it (X-Forwarded-Proto: https)."""
    if sock:
        target = "--unix-socket %s -H 'X-Forwarded-Proto: https' 'http://localhost%s'" % (sock, path)
    else:
        target = "--insecure 'https://localhost%s'" % path
    body, status = host.check_output("curl -sS --max-time 10 -o /dev/stdout -w '\\n%{http_code}' " + target).rsplit("\n", 1)
    return int(status), body


def address(host):
    return host.check_output("hostname -I").split()[0]


def from_controller(host, url):
    """curl on the controller, trusting only the test's authority, with
    localhost resolved to the container."""
    return subprocess.run(
        ["curl", "-sS", "--max-time", "10", "-D", "-", "-o", "/dev/null", "--cacert", str(TLS_DIR / "ca.crt"),
         "--resolve", "localhost:443:%s" % address(host), "--resolve", "localhost:80:%s" % address(host), url],
        capture_output=True, text=True, check=True,
    ).stdout


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
    unit = "gunicorn-notes@%s.service" % host.check_output("readlink /run/gunicorn-notes/gunicorn.sock")[: -len(".sock")]
    out = host.check_output("systemd-analyze security --no-pager %s" % unit)
    exposure = float(re.search(r"Overall exposure level for %s: ([0-9.]+)" % re.escape(unit), out).group(1))
    assert exposure <= 2.0, out


def test_sslyze_finds_the_https_set_up_compliant_with_mozilla_intermediate(host):
    # The test's authority is the only trust anchor sslyze is given, so the
    # chain is checked too; every other criterion is Mozilla's.
    result = subprocess.run(
        [str(SSLYZE), "--mozilla_config=intermediate", "--certinfo_ca_file=%s" % (TLS_DIR / "ca.crt"),
         "localhost:443{%s}" % address(host)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK - Compliant" in result.stdout, result.stdout


def test_https_answers_with_one_hsts_header_and_http_redirects(host):
    headers = from_controller(host, "https://localhost/")
    assert headers.startswith("HTTP/1.1 200"), headers
    hsts = [line for line in headers.splitlines() if line.lower().startswith("strict-transport-security:")]
    assert hsts == ["Strict-Transport-Security: max-age=63072000; includeSubDomains; preload"], headers
    redirect = from_controller(host, "http://localhost/notes/?page=2")
    assert redirect.startswith("HTTP/1.1 301"), redirect
    assert "Location: https://localhost/notes/?page=2" in redirect, redirect


def test_the_private_key_is_root_only(host):
    key = host.file("/etc/nginx/tls/notes.key")
    assert (key.user, key.group, key.mode) == ("root", "root", 0o600)
    assert host.file("/etc/nginx/tls/notes.crt").mode == 0o644


def test_the_example_passes_check_deploy_at_warning_level(host):
    # As the service runs it: the app user, the environment file, the release.
    cmd = host.run(
        "systemd-run --quiet --wait --pipe --uid=notes --gid=notes --working-directory=%s/current"
        " --property=EnvironmentFile=/etc/notes/notes.env --setenv=DJANGO_SETTINGS_MODULE=notesite.settings"
        " %s/current/.venv/bin/python manage.py check --deploy --fail-level WARNING" % (HOME, HOME)
    )
    assert cmd.rc == 0, cmd.stdout + cmd.stderr
    assert "no issues" in cmd.stdout, cmd.stdout


def installed(host):
    """{distribution name: version} in the live release's virtualenv."""
    out = host.check_output(
        HOME + "/current/.venv/bin/python -c \"import importlib.metadata as m, json;"
        " print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))\""
    )
    return {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in json.loads(out).items()}


def test_the_virtualenv_holds_exactly_what_poetry_lock_pins(host):
    # The project was deployed with pyproject.toml and poetry.lock, no
    # requirements file: Poetry installed the Python 3.13 branch of the lock.
    assert host.file(HOME + "/current/poetry.lock").exists
    assert not host.file(HOME + "/current/requirements.txt").exists
    lock = tomllib.loads((ROOT / "molecule" / "trixie" / "poetry" / "poetry.lock").read_text())
    locked = {}
    for package in lock["package"]:
        locked.setdefault(package["name"], set()).add(package["version"])
    found = installed(host)
    assert found["django"] == "6.0.10"
    assert {"asgiref", "sqlparse", "psycopg", "psycopg-binary"} <= set(found)
    for name, version in found.items():
        if name not in ("gunicorn", "packaging"):  # django_release_venv_packages
            assert version in locked.get(name, ()), (name, version)
