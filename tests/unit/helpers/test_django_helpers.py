"""once.py and probe.py against a real Django (SQLite in memory).

once.py: which once-only commands are due, running them in order with
their own environment, recording each so that it never runs again unless
asked. probe.py: whether the health check path leads to a view, whether a
storage keeps its files on this host's disk.
"""

import importlib.util
import json
import pathlib
import sys

import pytest

django = pytest.importorskip("django")
from django.conf import settings  # noqa: E402
from django.core.files.storage import Storage  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import override_settings  # noqa: E402
from django.urls import path  # noqa: E402

FILES = pathlib.Path(__file__).resolve().parents[3] / "roles" / "django_release" / "files"


def load(name):
    spec = importlib.util.spec_from_file_location(name, FILES / (name + ".py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # probe.py imports once by name
    spec.loader.exec_module(module)
    return module


def view(request):
    return HttpResponse("ok")


urlpatterns = [path("", view), path("health/", view), path("accounts/login/", view)]

if not settings.configured:
    settings.configure(
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"],
        ROOT_URLCONF=__name__,
        USE_TZ=True,
    )
    django.setup()

once = load("once")
probe = load("probe")


@pytest.fixture
def connection():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS %s" % once.TABLE)
    return connection


def run(capsys, commands, rerun=(), release="r1"):
    assert once.main(["--run", release, json.dumps(commands), json.dumps(list(rerun))]) == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def writer(out, text):
    """A once-only command that appends TEXT to OUT, and what it wrote
    through its own environment variable."""
    code = "import os; open(%r, 'a').write(%r + os.environ.get('ONCE_EXTRA', '') + '\\n')" % (str(out), text)
    return ["shell", "-c", code]


def test_everything_is_due_on_a_fresh_database(connection):
    assert once.due(connection, ["loaddata pages", {"name": "admin", "command": "createsuperuser"}]) == ["loaddata pages", "admin"]
    # Reading made no table: --list and the probe change nothing.
    assert once.TABLE not in connection.introspection.table_names()


def test_a_command_runs_once_and_is_recorded(connection, capsys, tmp_path):
    out = tmp_path / "out"
    commands = [{"name": "initial", "command": writer(out, "initial")}]
    assert run(capsys, commands) == {"ran": ["initial"], "skipped": []}
    assert run(capsys, commands, release="r2") == {"ran": [], "skipped": ["initial"]}
    assert out.read_text() == "initial\n"
    assert once.due(connection, commands) == []


def test_a_new_command_runs_and_the_old_one_does_not(connection, capsys, tmp_path):
    out = tmp_path / "out"
    run(capsys, [{"name": "one", "command": writer(out, "one")}])
    result = run(capsys, [{"name": "one", "command": writer(out, "one")}, {"name": "two", "command": writer(out, "two")}])
    assert result == {"ran": ["two"], "skipped": ["one"]}
    assert out.read_text() == "one\ntwo\n"


def test_rerun_runs_a_recorded_command_again(connection, capsys, tmp_path):
    out = tmp_path / "out"
    commands = [{"name": "one", "command": writer(out, "one")}]
    run(capsys, commands)
    assert once.due(connection, commands, ["one"]) == ["one"]
    assert run(capsys, commands, rerun=["one"])["ran"] == ["one"]
    assert out.read_text() == "one\none\n"


def test_a_command_gets_its_environment_and_only_it(connection, capsys, tmp_path, monkeypatch):
    out = tmp_path / "out"
    monkeypatch.delenv("ONCE_EXTRA", raising=False)
    commands = [
        {"name": "with", "command": writer(out, "with"), "environment": {"ONCE_EXTRA": "-secret"}},
        {"name": "without", "command": writer(out, "without")},
    ]
    run(capsys, commands)
    assert out.read_text() == "with-secret\nwithout\n"
    import os

    assert "ONCE_EXTRA" not in os.environ


def test_commands_come_from_standard_input_with_a_dash(connection, capsys, tmp_path, monkeypatch):
    import io

    out = tmp_path / "out"
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps([{"name": "one", "command": writer(out, "one")}])))
    assert once.main(["--run", "r1", "-", "[]"]) == 0
    assert out.read_text() == "one\n"


def test_a_failing_command_stops_and_is_not_recorded(connection, capsys, tmp_path):
    out = tmp_path / "out"
    commands = [
        {"name": "good", "command": writer(out, "good")},
        {"name": "bad", "command": ["shell", "-c", "raise SystemExit(3)"]},
        {"name": "after", "command": writer(out, "after")},
    ]
    with pytest.raises(SystemExit):
        once.main(["--run", "r1", json.dumps(commands), "[]"])
    assert out.read_text() == "good\n"
    assert once.due(connection, commands) == ["bad", "after"]


def test_strings_are_their_own_names():
    assert once.normalise(["loaddata a b"]) == [("loaddata a b", ["loaddata", "a", "b"], {})]


@pytest.mark.parametrize(
    "checked,expected",
    [
        ("/", True),
        ("/health/", True),
        ("/health", True),  # APPEND_SLASH redirects there
        ("/health/?full=1", True),
        ("/accounts/login/", True),
        ("/status/", False),
        ("/healthz", False),
    ],
)
def test_the_health_check_path_must_lead_to_a_view(checked, expected):
    assert probe.healthcheck_resolves(checked) is expected


def test_the_backup_learns_whether_the_database_holds_a_table(connection):
    # SQLite here: no server version to compare; any table makes it one to back up.
    facts = probe.database_facts("default")
    assert facts["vendor"] == "sqlite" and "server_major" not in facts
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS probe_seen (id integer)")
    assert probe.database_facts("default")["tables"] >= 1


class BucketStorage(Storage):
    """Stands in for django-storages' S3Storage: a Storage that is no
    FileSystemStorage."""


@pytest.mark.parametrize(
    "backend,remote",
    [
        ("django.core.files.storage.FileSystemStorage", False),
        ("django.contrib.staticfiles.storage.ManifestStaticFilesStorage", False),
        (__name__ + ".BucketStorage", True),
    ],
)
def test_a_storage_is_remote_unless_it_keeps_files_on_disk(backend, remote):
    storages = {"default": {"BACKEND": backend}, "staticfiles": {"BACKEND": backend}}
    with override_settings(STORAGES=storages, STATIC_ROOT="/srv/static", STATIC_URL="/static/"):
        for alias in ("default", "staticfiles"):
            is_remote, name = probe.storage_is_remote(alias)
            assert is_remote is remote
            assert name.rsplit(".", 1)[1] == backend.rsplit(".", 1)[1]
