"""backup.py: pg_dump gets the project's own connection settings through
libpq's environment, never through its command line."""

import importlib.util
import pathlib

import pytest

HELPER = pathlib.Path(__file__).resolve().parents[3] / "roles" / "django_release" / "files" / "backup.py"
spec = importlib.util.spec_from_file_location("backup", HELPER)
backup = importlib.util.module_from_spec(spec)
spec.loader.exec_module(backup)


def test_every_setting_reaches_libpq_and_no_secret_the_command_line(monkeypatch):
    monkeypatch.delenv("PGPASSWORD", raising=False)
    database = {
        "NAME": "site",
        "USER": "site",
        "PASSWORD": "p@ss w/rd:#%",
        "HOST": "db.internal",
        "PORT": 6432,
        "OPTIONS": {"sslmode": "verify-full", "sslrootcert": "/etc/site/root.crt"},
    }
    command, environment = backup.pg_dump_command(database, "/srv/site/backups/x.dump")
    assert command == ["pg_dump", "--format=custom", "--no-password", "--file=/srv/site/backups/x.dump"]
    assert "p@ss w/rd:#%" not in " ".join(command)
    assert {key: environment[key] for key in ("PGDATABASE", "PGUSER", "PGPASSWORD", "PGHOST", "PGPORT")} == {
        "PGDATABASE": "site",
        "PGUSER": "site",
        "PGPASSWORD": "p@ss w/rd:#%",
        "PGHOST": "db.internal",
        "PGPORT": "6432",
    }
    assert environment["PGSSLMODE"] == "verify-full"
    assert environment["PGSSLROOTCERT"] == "/etc/site/root.crt"


@pytest.mark.parametrize("missing", ["HOST", "PORT", "PASSWORD"])
def test_settings_left_empty_stay_libpq_defaults(monkeypatch, missing):
    for variable in ("PGHOST", "PGPORT", "PGPASSWORD"):
        monkeypatch.delenv(variable, raising=False)
    database = {"NAME": "site", "USER": "site", "HOST": "localhost", "PORT": "5432", "PASSWORD": "x" * 20}
    database[missing] = ""
    environment = backup.pg_dump_command(database, "/tmp/x.dump")[1]
    variable = {"HOST": "PGHOST", "PORT": "PGPORT", "PASSWORD": "PGPASSWORD"}[missing]
    assert variable not in environment


def test_the_client_of_the_servers_version_dumps_it_else_the_newest_newer_one(tmp_path):
    for major in (15, 17, 18):
        path = tmp_path / str(major) / "bin"
        path.mkdir(parents=True)
        (path / "pg_dump").write_text("")
    clients = backup.installed_clients(str(tmp_path / "*" / "bin" / "pg_dump"))
    assert sorted(clients) == [15, 17, 18]
    assert backup.pg_dump_for(17, clients) == str(tmp_path / "17" / "bin" / "pg_dump")
    assert backup.pg_dump_for(16, clients) == str(tmp_path / "17" / "bin" / "pg_dump")
    # An older server: its own version's client is not here, the nearest newer one dumps it.
    assert backup.pg_dump_for(13, clients) == str(tmp_path / "15" / "bin" / "pg_dump")
    assert backup.pg_dump_for(19, clients) is None
    assert backup.client_major(clients) == 18


def test_without_side_by_side_clients_the_one_on_the_path_counts(tmp_path):
    script = tmp_path / "pg_dump"
    script.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)'\n")
    script.chmod(0o755)
    assert backup.client_major({}, which=str(script)) == 15
    assert backup.client_major({}, which=str(tmp_path / "missing")) == 0
