"""serving.py: after a switch, what the live processes run, read from /proc.

Real processes stand in for gunicorn: a "master" started with a given
environment forks "workers" that change into a release folder.
"""

import importlib.util
import json
import os
import pathlib
import subprocess
import sys
import time

import pytest

HELPER = pathlib.Path(__file__).resolve().parents[3] / "roles" / "django_release" / "files" / "serving.py"
spec = importlib.util.spec_from_file_location("serving", HELPER)
serving = importlib.util.module_from_spec(spec)
spec.loader.exec_module(serving)


@pytest.fixture
def releases(tmp_path):
    one, two = tmp_path / "releases" / "one", tmp_path / "releases" / "two"
    one.mkdir(parents=True)
    two.mkdir(parents=True)
    current = tmp_path / "current"
    current.symlink_to(two)
    return one, two, current


MASTER = """
import os, sys, time
for _ in range(2):
    if os.fork() == 0:
        os.chdir(sys.argv[1])
        time.sleep(60)
        os._exit(0)
time.sleep(60)
"""


@pytest.fixture
def gunicorn():
    """start(release_folder, settings) -> the "master" PID."""
    started = []

    def start(cwd, settings=None):
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        if settings is not None:
            env["DJANGO_SETTINGS_MODULE"] = settings
        master = subprocess.Popen([sys.executable, "-c", MASTER, str(cwd)], env=env)
        started.append(master)
        time.sleep(0.3)
        return master.pid

    yield start
    for process in started:
        for worker, start in serving.workers_of(process.pid):
            os.kill(worker, 9)
        process.kill()
        process.wait()


def check(pid, current, settings, timeout=1.0):
    return serving.check_processes(pid, "test.service", str(current), timeout, settings)


def test_workers_on_the_new_release_with_the_expected_settings_pass(releases, gunicorn):
    one, two, current = releases
    pid = gunicorn(two, "site.settings.production")
    report, errors = check(pid, current, "site.settings.production")
    assert errors == []
    assert report["workers"] >= 2
    assert report["method"] == "working directory"
    assert report["settings"] == ["site.settings.production"]


def test_workers_without_the_settings_module_fail_naming_what_they_run(releases, gunicorn):
    one, two, current = releases
    pid = gunicorn(two, None)
    report, errors = check(pid, current, "site.settings.production")
    assert len(errors) == 1
    assert "DJANGO_SETTINGS_MODULE=(unset), not site.settings.production" in errors[0]
    assert "python_app_env" in errors[0]


def test_workers_on_development_settings_fail(releases, gunicorn):
    one, two, current = releases
    pid = gunicorn(two, "site.settings.development")
    report, errors = check(pid, current, "site.settings.production")
    assert any("site.settings.development" in error for error in errors)


def test_workers_still_on_the_old_release_fail(releases, gunicorn):
    one, two, current = releases
    pid = gunicorn(one, "s")
    report, errors = check(pid, current, "s", timeout=0.5)
    assert any("did not all move to release two" in error for error in errors)


def test_no_settings_check_when_none_is_asked(releases, gunicorn):
    one, two, current = releases
    pid = gunicorn(two, None)
    report, errors = check(pid, current, None)
    assert errors == []
    assert "settings" not in report


@pytest.mark.parametrize(
    "body,debug",
    [
        (b"HTTP/1.0 404 Not Found\r\n\r\n<h1>Not Found</h1>", False),
        (b"HTTP/1.0 404 Not Found\r\n\r\n<p>You're seeing this error because you have <code>DEBUG = True</code> in", True),
    ],
)
def test_the_debug_page_is_recognised(body, debug):
    assert bool(serving.DEBUG_PAGE.search(body)) is debug


@pytest.mark.parametrize(
    "environment,file_text,expected",
    [
        # The environment file wins over the unit's Environment= lines.
        ("", 'DJANGO_SETTINGS_MODULE="site.settings.production"\n', "site.settings.production"),
        ("DJANGO_SETTINGS_MODULE=site.settings.dev", 'DJANGO_SETTINGS_MODULE="site.settings.production"\n', "site.settings.production"),
        ('A=1 "DJANGO_SETTINGS_MODULE=site.settings.prod"', "SECRET=x\n", "site.settings.prod"),
        ("", "# DJANGO_SETTINGS_MODULE=commented\nOTHER=1\n", None),
        ("", "DJANGO_SETTINGS_MODULE='one'\nDJANGO_SETTINGS_MODULE=two\n", "two"),
    ],
)
def test_the_settings_a_unit_will_run(tmp_path, environment, file_text, expected):
    env_file = tmp_path / "app.env"
    env_file.write_text(file_text)
    shown = "LoadState=loaded\nEnvironment=%s\nEnvironmentFiles=%s (ignore_errors=no)\n" % (environment, env_file)
    assert serving.unit_settings(shown) == expected


def test_a_missing_environment_file_is_not_a_value(tmp_path):
    shown = "Environment=DJANGO_SETTINGS_MODULE=a\nEnvironmentFiles=%s (ignore_errors=yes)\n" % (tmp_path / "none")
    assert serving.unit_settings(shown) == "a"


def test_every_unit_is_checked_in_one_call_and_each_wrong_one_named(tmp_path, monkeypatch, capsys):
    shown = {
        "gunicorn-notes@.service": "LoadState=loaded\nEnvironment=DJANGO_SETTINGS_MODULE=site.prod\nEnvironmentFiles=\n",
        "notes-worker@.service": "LoadState=loaded\nEnvironment=\nEnvironmentFiles=\n",
        "notes-beat.service": "LoadState=loaded\nEnvironment=DJANGO_SETTINGS_MODULE=site.dev\nEnvironmentFiles=\n",
        "notes-new.service": "LoadState=not-found\n",
    }
    monkeypatch.setattr(serving, "systemctl_show", lambda unit, properties: shown[unit])
    assert serving.main(["--unit-settings", "site.prod"] + list(shown)) == 1
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["ok"] is False
    assert report["gunicorn-notes@.service"] == {"ok": True, "settings": "site.prod"}
    assert report["notes-new.service"] == {"ok": True, "unit": "not installed"}
    assert "notes-worker@.service would run DJANGO_SETTINGS_MODULE=(unset), not site.prod" in err
    assert "notes-beat.service would run DJANGO_SETTINGS_MODULE=site.dev, not site.prod" in err
    assert serving.main(["--unit-settings", "site.prod", "gunicorn-notes@.service"]) == 0


def test_the_warm_up_lines_name_each_worker_and_its_answer():
    journal = (
        "[INFO] Booting worker with pid: 41\n"
        "deployment-django warmup: worker 41 answered /accounts/login/ 200 OK in 8.1 s\n"
        "deployment-django warmup: worker 42 answered / failed: RuntimeError: no in 0.2 s\n"
    )
    assert serving.warmed(journal) == {41: "200 OK", 42: "failed: RuntimeError: no"}


class TestProcessesRunTheRelease:
    """--processes: each unit of the app's processes active, never restarted
    by systemd since its start, its main process in the release."""

    @pytest.fixture
    def worker(self, releases):
        one, two, current = releases
        proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], cwd=str(current))
        yield proc, one, two
        proc.kill()
        proc.wait()

    def states(self, monkeypatch, **units):
        monkeypatch.setattr(serving, "process_state", lambda unit: units[unit])

    def test_a_worker_up_on_the_release_passes(self, monkeypatch, worker):
        proc, one, two = worker
        self.states(monkeypatch, **{"blog-worker@1.service": ("active", 0, proc.pid)})
        report, errors = serving.check_units_run_release(str(two), ["blog-worker@1.service"])
        assert errors == []
        assert report["blog-worker@1.service"]["release"] == str(two)

    def test_a_worker_on_the_old_release_fails(self, monkeypatch, worker):
        proc, one, two = worker
        self.states(monkeypatch, **{"blog-worker@1.service": ("active", 0, proc.pid)})
        errors = serving.check_units_run_release(str(one), ["blog-worker@1.service"])[1]
        assert errors == ["blog-worker@1.service runs %s, not release one" % two]

    def test_a_crash_looping_worker_fails_even_while_up(self, monkeypatch, worker):
        proc, one, two = worker
        self.states(monkeypatch, a=("active", 2, proc.pid), b=("activating", 1, 0), c=("failed", 0, 0))
        errors = serving.check_units_run_release(str(two), ["a", "b", "c"])[1]
        assert errors == [
            "a is active after 2 automatic restart(s): it does not stay up on this release",
            "b is activating after 1 automatic restart(s): it does not stay up on this release",
            "c is failed after 0 automatic restart(s): it does not stay up on this release",
        ]

    def test_a_process_whose_folder_cannot_be_read_fails_loudly(self, monkeypatch, releases):
        one, two, current = releases
        self.states(monkeypatch, a=("active", 0, 2**22 + 1))
        errors = serving.check_units_run_release(str(two), ["a"])[1]
        assert errors and "cannot read where its main process" in errors[0]
