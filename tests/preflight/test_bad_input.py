"""Bad input stops the site playbook in its first play, before any host
changes, with a message that names the variable and what was expected.

The playbook runs in check mode against the controller itself: nothing can
change there, and the assertion is that the run ends in the preflight play.
"""

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PREFLIGHT_PLAY = "Check every input before any host changes"
ENV = {
    "DJANGO_ALLOWED_HOSTS": "localhost",
    "DATABASE_URL": "postgres://notes@localhost/notes",
}


@pytest.fixture(scope="module")
def inventory(tmp_path_factory):
    path = tmp_path_factory.mktemp("inventory") / "hosts.yml"
    path.write_text(
        "all:\n"
        "  children:\n"
        "    django_db: {hosts: {target: }}\n"
        "    django_web: {hosts: {target: }}\n"
        "  vars:\n"
        "    ansible_connection: local\n"
        "    ansible_python_interpreter: %s\n" % sys.executable
    )
    return path


# Every run targets the controller, whose facts do not change while the
# tests run: they are gathered once per test process, not once per run
# (about a second of each run's processor time). Only gathered facts are
# cached, never the roles' set_fact values. Filled by controller_facts.
FACT_CACHE = {}


@pytest.fixture(scope="module", autouse=True)
def controller_facts(tmp_path_factory):
    FACT_CACHE.update(
        ANSIBLE_GATHERING="smart",
        ANSIBLE_CACHE_PLUGIN="ansible.builtin.jsonfile",
        ANSIBLE_CACHE_PLUGIN_CONNECTION=str(tmp_path_factory.getbasetemp() / "controller-facts"),
        ANSIBLE_CACHE_PLUGIN_TIMEOUT="0",
    )


def run_site(inventory, **overrides):
    extra = {"app_source_path": str(ROOT / "examples" / "notes")}
    extra.update(overrides)
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default", ANSIBLE_NOCOLOR="1", **FACT_CACHE)
    env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
    result = subprocess.run(
        [
            "ansible-playbook",
            "--check",
            "-i",
            str(inventory),
            "-e",
            "@" + str(ROOT / "inventories" / "local" / "group_vars" / "all.yml"),
            "-e",
            json.dumps(extra),
            str(ROOT / "playbooks" / "site.yml"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


def plays(out):
    return re.findall(r"^PLAY \[(.*)\] \*+$", out, flags=re.MULTILINE)


def assert_stopped_in_preflight(rc, out, *expected):
    assert rc != 0, out
    # The preflight play and no other started: nothing was installed,
    # written or changed.
    assert plays(out) == [PREFLIGHT_PLAY], out
    for text in expected:
        assert text in out, out


def test_one_bad_input_among_good_ones_is_named(inventory):
    rc, out = run_site(inventory, app_name="notes", django_release_keep="x")
    assert_stopped_in_preflight(rc, out, "django_release_keep must be a whole number")


def test_every_bad_input_of_a_role_is_named_in_one_run(inventory):
    # A user fixing their inputs sees them all at once, not one per run.
    rc, out = run_site(inventory, django_release_keep=1, django_release_lock_ttl=0, django_release_healthcheck_path="health")
    assert_stopped_in_preflight(
        rc,
        out,
        "3 inputs are wrong: (1) django_release_keep must be a whole number of at least 2",
        "(2) django_release_healthcheck_path must be a path starting with /",
        "(3) django_release_lock_ttl must be a whole number of seconds, at least 1",
    )


def test_good_input_passes_the_preflight_play(inventory):
    # The local demo's inputs, as they are: the preflight play passes on
    # every host and the next plays start (in check mode on the controller,
    # where they stop for want of a PostgreSQL server; that is not the point).
    rc, out = run_site(inventory)
    preflight = out.split("PLAY [Run PostgreSQL]", 1)
    assert len(preflight) == 2, out
    assert "fatal:" not in preflight[0], out
    assert re.search(r"^ok: \[target\]", preflight[0], flags=re.MULTILINE), out
    assert plays(out)[:3] == [PREFLIGHT_PLAY, "Install every host's packages in one run", "Run PostgreSQL"]


def test_missing_app_name(inventory):
    rc, out = run_site(inventory, app_name="")
    assert_stopped_in_preflight(rc, out, "app_name must be set")


# One bad input each: (run, id, the inputs given, the text the failure must
# hold). A run starts the playbook once for every case that shares its name:
# those cases are caught by the same check task, on variables no other case
# of the run sets (or sets alike), and each failing check is named (the
# check_inputs result lists every failure). So the run must stop in the
# preflight play with exactly one failure per case, each case's text in its
# own failure. Cases whose inputs would meet (one variable, one message, or
# a check that reports one problem for several inputs) get runs of their own.
BAD_INPUTS = [
    ("site", "app-name-path", {"app_name": "../etc"}, "app_name must be set to the app's short lower-case name"),
    ("site", "sslmode", {"app_db_sslmode": "sometimes"}, "app_db_sslmode, when set, is one of"),
    (
        "site",
        "hook-stage-unknown",
        {"app_deploy_hooks": {"after_deploy": ["/etc/hostname"]}},
        'app_deploy_hooks must map before_build, after_switch and after_failure',
    ),
    ("site", "acme-not-a-bool", {"app_tls_acme": "maybe"}, 'app_tls and app_tls_acme must be true or false; got "False" and "maybe"'),
    (
        "site-2",
        "hook-file-missing",
        {"app_deploy_hooks": {"after_switch": ["hooks/sentry.yml", "/nonexistent/hook.yml"]}},
        'not an existing file there: ["hooks/sentry.yml", "/nonexistent/hook.yml"]',
    ),
    (
        "site-2",
        "acme-and-certificate",
        {"app_tls_acme": True, "app_tls_certificate": "-----BEGIN CERTIFICATE-----", "app_tls_certificate_key": "-----BEGIN PRIVATE KEY-----"},
        "app_tls_acme is on and app_tls_certificate or app_tls_certificate_key is set too",
    ),
    ("site-3", "hook-not-a-list", {"app_deploy_hooks": {"before_build": "/etc/hostname"}}, "app_deploy_hooks must map before_build"),
    (
        "environment",
        "settings-twice",
        {"app_env": dict(ENV, DJANGO_SETTINGS_MODULE="notesite.dev")},
        "app_env, when it sets DJANGO_SETTINGS_MODULE as well, must give the same module",
    ),
    ("python_app", "env-name", {"app_env": {"1BAD": "x"}}, "python_app_env must be a mapping of environment variable names"),
    ("python_app", "build-tools-not-a-bool", {"app_build_tools": "maybe"}, "python_app_build_tools (or app_build_tools, for every role) must be true"),
    (
        "python_app-2",
        "env-boolean",
        {"app_env": dict(ENV, DJANGO_DEBUG=False)},
        "python_app_env (the site's app_env) DJANGO_DEBUG: each value must be a string or a whole number",
    ),
    ("python_app-3", "relative-home", {"app_home": "srv/notes"}, "home (app_home) must be an absolute, normalised path"),
    ("python_app-4", "service-with-space", {"app_service_name": "notes web"}, "service (app_service_name) must be a systemd unit name"),
    ("gunicorn", "wsgi-syntax", {"app_wsgi_app": "notesite wsgi"}, "gunicorn_wsgi_app must be a dotted Python module path"),
    ("gunicorn", "workers", {"gunicorn_workers": "many"}, "gunicorn_workers must be a whole number"),
    ("gunicorn-2", "asgi-syntax", {"app_wsgi_app": "", "app_asgi_app": "notesite asgi"}, "gunicorn_asgi_app must be a dotted Python module path"),
    (
        "gunicorn-3",
        "wsgi-and-asgi",
        {"app_asgi_app": "notesite.asgi:application"},
        "gunicorn_wsgi_app (or app_wsgi_app) and gunicorn_asgi_app (or app_asgi_app) are both set",
    ),
    (
        "processes",
        "process-name-twice",
        {"app_processes": [{"name": "worker", "command": "celery -A notesite worker"}, {"name": "worker", "command": "manage.py q"}]},
        "app_processes[1] (worker): the name worker is used twice",
    ),
    (
        "processes-2",
        "process-name-not-a-unit-name",
        {"app_processes": [{"name": "Celery Worker", "command": "celery -A notesite worker"}]},
        "app_processes[0] (Celery Worker): name must be a short lower-case name",
    ),
    (
        "processes-3",
        "singleton-in-empty-group",
        {"app_processes": [{"name": "beat", "command": "celery -A notesite beat", "hosts": "ungrouped", "once": True}]},
        "app_processes[0] (beat): hosts names the group ungrouped, which has no hosts",
    ),
    (
        "schedules",
        "job-calendar-systemd-rejects",
        {"app_schedules": [{"name": "digest", "command": "manage.py write_digest", "on_calendar": "every night"}]},
        "app_schedules digest: on_calendar \"every night\" is not a systemd calendar expression",
    ),
    (
        "django_release",
        "dependencies-unknown",
        {"django_release_dependencies": "pipenv"},
        'django_release_dependencies "auto", "uv", "poetry" or "requirements" (got "pipenv")',
    ),
    ("django_release", "source-type", {"app_source_type": "svn"}, "django_release_source_type must be"),
    ("django_release", "keep-one", {"django_release_keep": 1}, "django_release_keep must be a whole number of at least 2"),
    ("django_release", "healthcheck-path", {"django_release_healthcheck_path": "health"}, "django_release_healthcheck_path must be a path starting with /"),
    ("django_release", "healthcheck-url", {"django_release_healthcheck_url": "localhost"}, "django_release_healthcheck_url must be empty or a base URL"),
    ("django_release", "backup-dir", {"django_release_backup_dir": "backups"}, "django_release_backup_dir must be an absolute path"),
    ("django_release", "lock-ttl", {"django_release_lock_ttl": 0}, "django_release_lock_ttl must be a whole number of seconds, at least 1"),
    ("django_release", "inline-max", {"django_release_inline_max": "1M"}, "django_release_inline_max must be a whole number of bytes"),
    ("django_release", "start-early", {"app_start_early": "maybe"}, "django_release_start_early (or app_start_early) must be true or false"),
    ("django_release", "release-id-path", {"django_release_id": "../../etc"}, "django_release_id must be empty or a plain folder name"),
    (
        "django_release",
        "exclude-outside",
        {"django_release_exclude": ["media", "../secrets"]},
        "django_release_exclude must list paths relative to the source's top",
    ),
    (
        "django_release",
        "once-same-name",
        {"app_once_commands": ["loaddata pages", {"name": "loaddata pages", "command": "x"}]},
        "every command needs a different name",
    ),
    (
        "django_release",
        "post-migrate-not-list",
        {"app_post_migrate_commands": "update_index"},
        "django_release_post_migrate_commands must be a list of commands",
    ),
    (
        "django_release",
        "healthcheck-status",
        {"app_healthcheck_status": ["ok"]},
        "django_release_healthcheck_status (the site's app_healthcheck_status) must be a list of HTTP status codes",
    ),
    (
        "django_release",
        "hook-before-build-missing",
        {"app_deploy_hooks": {"before_build": ["/nonexistent/announce.yml"]}},
        "django_release_hooks_before_build (the site's app_deploy_hooks.before_build) must list task files",
    ),
    (
        "django_release-2",
        "source-path",
        {"app_source_path": "/nonexistent/project"},
        "django_release_source_path \"/nonexistent/project\" does not exist on the controller",
    ),
    ("django_release-2", "installer", {"django_release_installer": "poetry"}, "django_release_installer must be \"uv\" or \"pip\""),
    ("django_release-2", "fail-level", {"django_release_check_fail_level": "LOUD"}, "django_release_check_fail_level one of CRITICAL"),
    ("django_release-2", "once-without-name", {"app_once_commands": [{"command": "load_gallery"}]}, "every command needs a different name"),
    ("django_release-2", "site-healthcheck-path", {"app_healthcheck_path": "login"}, "django_release_healthcheck_path must be a path starting with /"),
    (
        "django_release-3",
        "git-without-repo",
        {"app_source_type": "git"},
        "django_release_git_repo must name the repository when django_release_source_type is git",
    ),
    ("source", "settings", {"app_settings_module": "notesite.missing"}, "django_release_settings_module: the settings module was expected"),
    ("source", "wsgi-module", {"app_wsgi_app": "notesite.nowsgi:application"}, "django_release_wsgi_app: the WSGI module was expected"),
    (
        "source",
        "requirements",
        {"django_release_requirements_file": "requirements/prod.txt"},
        "django_release_requirements_file: requirements/prod.txt is not at the top",
    ),
    (
        "source-2",
        "dependencies-uv-without-lock",
        {"django_release_dependencies": "uv"},
        "django_release_dependencies is uv (uv): the source's top must hold pyproject.toml",
    ),
    (
        "source-2",
        "asgi-module",
        {"app_wsgi_app": "", "app_asgi_app": "notesite.noasgi:application"},
        "django_release_asgi_app: the ASGI module was expected at",
    ),
    ("nginx_static", "server-names", {"app_server_names": "example.com"}, "nginx_static_server_names must be a non-empty list"),
    (
        "nginx_static",
        "static-url-not-a-path",
        {"nginx_static_static_root": "/srv/notes/static", "nginx_static_static_url": "https://cdn.example.com/static/"},
        "nginx_static_static_url must be a path starting and ending with",
    ),
    ("nginx_static", "listen-port", {"nginx_static_listen_port": 70000}, "nginx_static_listen_port must be a TCP port"),
    (
        "nginx_static",
        "read-timeout",
        {"nginx_static_proxy_read_timeout": "1h"},
        'nginx_static_proxy_read_timeout must be a whole number of seconds, at least 1; got "1h"',
    ),
    ("nginx_static-2", "no-server-names", {"app_server_names": []}, "nginx_static_server_names must be a non-empty list"),
    (
        "nginx_static-3",
        "acme-directory-not-https",
        {"app_tls_acme": True, "app_server_names": ["www.example.com"], "app_tls_acme_directory": "http://acme.example.com/dir"},
        "nginx_static_acme_directory_url must be the authority's https:// directory URL",
    ),
    (
        "nginx_static-3",
        "acme-email",
        {"app_tls_acme": True, "app_server_names": ["www.example.com"], "app_tls_acme_email": "ops"},
        'nginx_static_acme_email must be an e-mail address or ""; got "ops"',
    ),
    (
        "nginx_static-3",
        "acme-root-not-pem",
        {"app_tls_acme": True, "app_server_names": ["www.example.com"], "app_tls_acme_ca_certificate": "not a certificate"},
        "nginx_static_acme_ca_certificate_content must be empty or a PEM certificate",
    ),
    (
        "nginx_static-4",
        "acme-without-checkable-name",
        {"app_tls_acme": True, "app_server_names": ["localhost", "127.0.0.1"]},
        "With nginx_static_tls_acme on, the certificate needs at least one name an authority can check over HTTP",
    ),
    (
        "layout",
        "service-renamed-in-one-role",
        {"gunicorn_service_name": "notes-web"},
        "gunicorn_service_name is notes-web, django_release_service is gunicorn-notes",
    ),
    (
        "layout-2",
        "env-file-moved-in-one-role",
        {"django_release_env_file": "/etc/notes.env"},
        "gunicorn_env_file is /etc/notes/notes.env, django_release_env_file is /etc/notes.env",
    ),
]


def _merged_inputs(cases):
    inputs = {}
    for case in cases:
        case_id, overrides = case[0], case[1]
        for name, value in overrides.items():
            assert inputs.get(name, value) == value, "%s sets %s unlike another case of its run" % (case_id, name)
            inputs[name] = value
    return inputs


RUNS = {}
for _run, _case_id, _overrides, _expected in BAD_INPUTS:
    RUNS.setdefault(_run, []).append((_case_id, _overrides, _expected))


def failures_of(out):
    """Each failure the check task reported, from its result on the fatal line."""
    found = []
    for line in out.splitlines():
        if line.startswith("fatal: [") and " => " in line:
            result = json.loads(line.split(" => ", 1)[1])
            found.extend(result.get("failures") or [result.get("msg", "")])
    return found


@pytest.mark.parametrize("run", list(RUNS), ids=["%s: %s" % (run, ", ".join(case[0] for case in RUNS[run])) for run in RUNS])
def test_bad_application_input(inventory, run):
    cases = RUNS[run]
    rc, out = run_site(inventory, **_merged_inputs(cases))
    assert_stopped_in_preflight(rc, out, *[case[2] for case in cases])
    if len(cases) > 1:
        failures = failures_of(out)
        assert len(failures) == len(cases), (failures, out)
        for case in cases:
            case_id, expected = case[0], case[2]
            own = [failure for failure in failures if expected in failure]
            assert len(own) == 1, (case_id, expected, failures)


GALLERY = {
    "app_settings_module": "gallerysite.settings.production",
    "app_wsgi_app": "gallerysite.wsgi:application",
    "app_secret_key_names": ["GALLERY_SECRET_KEY"],
}


@pytest.fixture
def gallery(tmp_path):
    copy = tmp_path / "gallery"
    shutil.copytree(str(ROOT / "examples" / "gallery"), str(copy))
    return copy


def test_a_uv_lock_left_behind_by_an_edit_of_pyproject_is_refused(inventory, gallery):
    pyproject = gallery / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"psycopg2==2.9.10",', '"psycopg2==2.9.10",\n    "requests==2.32.5",'))
    rc, out = run_site(inventory, app_source_path=str(gallery), **GALLERY)
    assert_stopped_in_preflight(
        rc,
        out,
        "django_release_dependencies: the project's uv.lock does not match its pyproject.toml",
        "pyproject.toml asks for requests==2.32.5, which uv.lock was not made from",
    )


def test_a_uv_lock_is_refused_to_pip(inventory, gallery):
    rc, out = run_site(inventory, app_source_path=str(gallery), django_release_installer="pip", **GALLERY)
    assert_stopped_in_preflight(rc, out, "django_release_installer is pip, but the project's dependencies are locked in uv.lock")


def test_short_database_password_is_refused_without_printing_it(inventory):
    rc, out = run_site(inventory, app_db_password="short-pw-1")
    assert_stopped_in_preflight(rc, out, "postgres_db_password must be a password of at least 12 characters")
    assert "short-pw-1" not in out


@pytest.mark.parametrize(
    "secret",
    ["too-short-secret-key-1", "django-insecure-" + "x7" * 30],
    ids=["short", "insecure-prefix"],
)
def test_weak_secret_key_is_refused_without_printing_it(inventory, secret):
    rc, out = run_site(inventory, app_env=dict(ENV, DJANGO_SECRET_KEY=secret))
    assert_stopped_in_preflight(rc, out, "app_env DJANGO_SECRET_KEY must be a secret key of at least 50")
    assert secret not in out


CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
KEY = "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n"


@pytest.mark.parametrize(
    "overrides,expected",
    [
        ({"app_tls": True}, "With app_tls on, app_tls_certificate"),
        ({"app_tls": "maybe"}, "app_tls and app_tls_acme must be true or false"),
        (
            {"app_tls": True, "app_tls_certificate": CERT, "app_tls_certificate_key": KEY, "nginx_static_tls_port": 80},
            "With nginx_static_tls on, nginx_static_tls_port must be a TCP port",
        ),
        (
            {"app_tls": True, "app_tls_certificate": CERT, "app_tls_certificate_key": KEY, "nginx_static_hsts": "forever"},
            "With nginx_static_tls on, nginx_static_hsts must be empty or a Strict-Transport-Security value",
        ),
        (
            {"app_tls": True, "app_tls_certificate": "not a certificate", "app_tls_certificate_key": KEY},
            "With nginx_static_tls on, nginx_static_tls_certificate_content must be empty or PEM certificates",
        ),
    ],
    ids=["tls-without-certificate", "tls-not-bool", "tls-port-clash", "hsts", "certificate-not-pem"],
)
def test_bad_tls_input(inventory, overrides, expected):
    rc, out = run_site(inventory, **overrides)
    assert_stopped_in_preflight(rc, out, expected)


@pytest.fixture(scope="module")
def inventory_with_balancer(tmp_path_factory):
    path = tmp_path_factory.mktemp("inventory") / "hosts.yml"
    path.write_text(
        "all:\n"
        "  children:\n"
        "    django_db: {hosts: {target: }}\n"
        "    django_web: {hosts: {target: }}\n"
        "    django_lb: {hosts: {balancer: }}\n"
        "  vars:\n"
        "    ansible_connection: local\n"
        "    ansible_python_interpreter: %s\n" % sys.executable
    )
    return path


def test_the_balancers_certificate_is_checked_before_any_host_changes(inventory_with_balancer):
    # With a balancer, HTTPS ends there: its inputs are checked in the first
    # play too, not when the balancer's turn comes after the web hosts switched.
    rc, out = run_site(inventory_with_balancer, app_tls=True, app_tls_certificate="not a certificate", app_tls_certificate_key=KEY)
    assert_stopped_in_preflight(rc, out, "With nginx_static_tls on, nginx_static_tls_certificate_content must be empty or PEM certificates")
    # The balancer is the host that failed; the web host behind it, whose
    # nginx does not end HTTPS, passed its own checks.
    assert re.search(r"^fatal: \[balancer\]: FAILED! .*nginx_static_tls_certificate_content", out, flags=re.MULTILINE), out
    assert not re.search(r"^(fatal|failed): \[target\]", out, flags=re.MULTILINE), out


def test_a_key_that_is_not_a_key_is_refused_without_printing_it(inventory):
    secret = "my-private-key-material-0123456789"
    rc, out = run_site(inventory, app_tls=True, app_tls_certificate=CERT, app_tls_certificate_key=secret)
    assert_stopped_in_preflight(rc, out, "With nginx_static_tls on, nginx_static_tls_certificate_key_content must be empty or a PEM private key")
    assert secret not in out


def test_a_malformed_once_command_is_refused_without_printing_its_environment(inventory):
    secret = "first-admin-password-9d8c7b6a"
    bad = {"name": "admin", "environment": {"DJANGO_SUPERUSER_PASSWORD": secret}}  # no command
    rc, out = run_site(inventory, app_once_commands=bad)
    assert_stopped_in_preflight(rc, out, "django_release_once_commands must be a list of commands")
    assert secret not in out
