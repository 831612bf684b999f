"""release_state: what it reads from a real folder layout, and what it removes."""

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.deployment.django.plugins.module_utils import release_plan
from ansible_collections.deployment.django.plugins.modules import release_state


class Failed(Exception):
    pass


class FakeModule:
    def __init__(self, check_mode=False, active=True, **params):
        self.check_mode = check_mode
        self.active = active
        self.params = dict(
            home="",
            view="inspect",
            shape={},
            release_id="",
            timestamp="20261128T120000Z",
            force=False,
            env_file="",
            service="gunicorn-blog",
            socket="",
            release="",
            keep=5,
            rollback_to="",
            source="",
            requirements_file="requirements.txt",
            dependencies="auto",
            installer="uv",
            revision="",
            link=False,
            project="",
            shared=[],
            user="",
            group="",
            media_group="",
            record={},
            static=False,
            instance="",
            old_instance="",
            tmpfiles="",
            drain=0,
            media_path="",
            prune=False,
            check=[],
            archive="",
            static_from="",
            static_to="",
            static_hardlink=True,
            lock="",
            lock_owner="",
            lock_wait=0,
            lock_ttl=3600,
            lock_force=False,
            lock_info={},
            setup="",
            bytecode=False,
            lock_idle=False,
        )
        self.params.update(params)
        if self.params["home"] and not self.params["socket"]:
            self.params["socket"] = os.path.join(self.params["home"], "gunicorn.sock")

    def fail_json(self, **kwargs):
        raise Failed(kwargs["msg"])

    def run_command(self, argv):
        if argv == self.params["check"]:
            done = subprocess.run(argv, capture_output=True, text=True, check=False)
            return done.returncode, done.stdout, done.stderr
        assert argv[:2] == ["systemctl", "show"]
        return 0, "active\n" if self.active else "inactive\n", ""


def release(home, name, record=None, failed=False, venv=None):
    path = home / "releases" / name
    path.mkdir(parents=True)
    (path / ".release.json").write_text(json.dumps(dict({"id": name}, **(record or {}))))
    if failed:
        (path / ".failed").write_text("{}")
    if venv:
        (home / "venvs" / venv).mkdir(parents=True, exist_ok=True)
    return path


def go_live(home, name, state, instance="blue"):
    os.symlink(str(home / "releases" / name), str(home / "current"))
    os.symlink(instance + ".sock", str(home / "gunicorn.sock"))
    (home / ".deploy").mkdir(exist_ok=True)
    (home / ".deploy" / "state.json").write_text(json.dumps(state))


@pytest.fixture
def home(tmp_path):
    (tmp_path / "releases").mkdir()
    (tmp_path / "venvs").mkdir()
    return tmp_path


def test_a_first_deploy_builds_a_release_named_by_time_and_fingerprint(home):
    module = FakeModule(home=str(home), shape={"source": "abc"}, active=False)
    found = release_state.inspect(module, release_state.Host(str(home)))
    fingerprint = release_plan.fingerprint({"source": "abc"})
    assert found["build"] is True
    assert found["restart"] is False
    assert found["id"] == "20261128T120000Z-" + fingerprint[:8]
    assert found["path"] == str(home / "releases" / found["id"])
    assert (found["live"], found["live_path"]) == ({}, "")


def test_the_same_shape_again_builds_nothing_and_points_at_the_live_release(home):
    shape = {"source": "abc", "settings": "blog.settings"}
    release(home, "r1", {"fingerprint": release_plan.fingerprint(shape)})
    env = home / "blog.env"
    env.write_text("A=1\n")
    go_live(home, "r1", {"release": "r1", "history": ["r1"], "env_checksum": release_state.file_sha256(str(env))})
    found = release_state.inspect(FakeModule(home=str(home), shape=shape, env_file=str(env)), release_state.Host(str(home)))
    assert (found["build"], found["restart"], found["id"]) == (False, False, "r1")
    assert found["path"] == str(home / "releases" / "r1")
    # The environment file changes: the same release, restarted.
    env.write_text("A=2\n")
    found = release_state.inspect(FakeModule(home=str(home), shape=shape, env_file=str(env)), release_state.Host(str(home)))
    assert (found["build"], found["restart"]) == (False, True)


def test_inspect_runs_the_check_it_is_given_in_the_same_call(home):
    # The settings check of the units rides on the reading of the releases:
    # one call, its result returned for the role to judge.
    failing = [sys.executable, "-c", "import sys; print('{\"ok\": false}'); sys.stderr.write('blog@.service runs blog.dev\\n'); sys.exit(1)"]
    found = release_state.inspect(FakeModule(home=str(home), shape={"source": "abc"}, check=failing), release_state.Host(str(home)))
    assert found["build"] is True
    assert found["check"]["rc"] == 1
    assert found["check"]["stderr"] == "blog@.service runs blog.dev\n"
    assert json.loads(found["check"]["stdout"]) == {"ok": False}
    # None asked, none run.
    found = release_state.inspect(FakeModule(home=str(home), shape={"source": "abc"}), release_state.Host(str(home)))
    assert "check" not in found


def test_the_check_waits_for_the_set_up_it_needs(home):
    # The check's helper is what the last deploy set up: with another
    # set-up recorded (or none), the check is left to the caller, which runs
    # it once it has set up.
    passing = [sys.executable, "-c", "pass"]
    go_live(home, "r1", {"release": "r1", "history": ["r1"], "setup": "old"})
    release(home, "r1")
    found = release_state.inspect(FakeModule(home=str(home), check=passing, setup="new"), release_state.Host(str(home)))
    assert "check" not in found
    found = release_state.inspect(FakeModule(home=str(home), check=passing, setup="old"), release_state.Host(str(home)))
    assert found["check"]["rc"] == 0


def test_inspect_takes_the_deploy_lock_before_it_reads(home):
    lock = home / ".deploy" / "deploy.lock"
    module = FakeModule(home=str(home), lock=str(lock), lock_owner="run-a", lock_info={"user": "ann"})
    taken = release_state.take_deploy_lock(module)
    assert (taken["changed"], taken["taken_over"]) == (True, False)
    # Its folder, made in the same call, is root's alone: the state it
    # protects is there.
    assert oct((home / ".deploy").stat().st_mode & 0o7777) == "0o700"
    held = json.loads(lock.read_text())
    assert (held["owner"], held["info"]) == ("run-a", {"user": "ann"})
    # The same run asks again: harmless.
    assert release_state.take_deploy_lock(module)["changed"] is False
    # Another run is refused at once, told who holds it.
    other = FakeModule(home=str(home), lock=str(lock), lock_owner="run-b")
    with pytest.raises(Failed, match="Another deploy holds the lock .*run run-a.*user ann"):
        release_state.take_deploy_lock(other)
    # Unless it may take over (django_release_lock_clear).
    forced = FakeModule(home=str(home), lock=str(lock), lock_owner="run-b", lock_force=True)
    assert release_state.take_deploy_lock(forced)["taken_over"] is True
    assert json.loads(lock.read_text())["owner"] == "run-b"
    # Without a lock file named, none is taken.
    assert release_state.take_deploy_lock(FakeModule(home=str(home))) is None


def test_a_lock_in_check_mode_is_not_written(home):
    lock = home / ".deploy" / "deploy.lock"
    module = FakeModule(home=str(home), lock=str(lock), lock_owner="run-a", check_mode=True)
    assert release_state.take_deploy_lock(module)["changed"] is True
    assert not lock.exists()


def test_a_missing_environment_file_is_named(home):
    with pytest.raises(Failed, match="django_release_env_file .* does not exist"):
        release_state.inspect(FakeModule(home=str(home), env_file=str(home / "nope.env")), release_state.Host(str(home)))


def test_prune_removes_old_and_failed_releases_and_unused_virtualenvs(home):
    for name, venv in (("r1", "v1"), ("r2", "v2"), ("r3", "v2")):
        release(home, name, venv=venv)
    release(home, "bad", failed=True, venv="v3")
    venvs = {"r1": str(home / "venvs/v1"), "r2": str(home / "venvs/v2"), "r3": str(home / "venvs/v2")}
    go_live(home, "r3", {"release": "r3", "history": ["r1", "r2", "r3"], "venvs": venvs})
    result = release_state.prune(FakeModule(home=str(home), release="r3", keep=2), release_state.Host(str(home)))
    assert result["kept"] == ["r2", "r3"]
    assert sorted(os.listdir(str(home / "releases"))) == ["r2", "r3"]
    assert sorted(os.listdir(str(home / "venvs"))) == ["v2"]
    assert result["changed"] is True


def test_prune_in_check_mode_removes_nothing(home):
    for name in ("r1", "r2", "r3"):
        release(home, name)
    go_live(home, "r3", {"release": "r3", "history": ["r1", "r2", "r3"]})
    result = release_state.prune(FakeModule(check_mode=True, home=str(home), release="r3", keep=2), release_state.Host(str(home)))
    assert result["removed"] == [str(home / "releases" / "r1")]
    assert sorted(os.listdir(str(home / "releases"))) == ["r1", "r2", "r3"]


def test_rollback_skips_the_failed_release_and_reads_the_live_one(home):
    for name in ("r1", "r2"):
        release(home, name)
    release(home, "r3", failed=True)
    release(home, "r4")
    go_live(home, "r4", {"release": "r4", "history": ["r1", "r2", "r3", "r4"]})
    result = release_state.rollback(FakeModule(home=str(home)), release_state.Host(str(home)))
    assert result["target"] == "r2"
    assert result["candidates"] == ["r1", "r2"]
    assert result["live"]["id"] == "r4"
    assert result["target_record"]["id"] == "r2"
    # The switch back starts on the idle instance.
    assert (result["instance"], result["next_instance"]) == ("blue", "green")


def test_rollback_without_a_live_release_is_refused(home):
    with pytest.raises(Failed, match="nothing to roll back"):
        release_state.rollback(FakeModule(home=str(home)), release_state.Host(str(home)))


def test_served_records_the_release_and_its_environment_in_the_state_file(home):
    release(home, "r1")
    env = home / "blog.env"
    env.write_text("A=1\n")
    (home / ".deploy").mkdir()
    module = FakeModule(home=str(home), view="served", release="r1", env_file=str(env), setup="s1", venv=str(home / "venvs/v1"))
    module.atomic_move = os.rename
    result = release_state.record_served(module, release_state.Host(str(home)))
    state = json.loads((home / ".deploy" / "state.json").read_text())
    assert result["changed"] is True
    assert state == {
        "release": "r1",
        "env_checksum": release_state.file_sha256(str(env)),
        "history": ["r1"],
        "setup": "s1",
        "venvs": {"r1": str(home / "venvs/v1")},
    }
    assert oct((home / ".deploy" / "state.json").stat().st_mode & 0o777) == "0o600"
    # The same again changes nothing: the idempotent run stays unchanged.
    assert release_state.record_served(module, release_state.Host(str(home)))["changed"] is False
    # The inspection that follows sees nothing to restart for.
    found = release_state.inspect(
        FakeModule(home=str(home), env_file=str(env)), release_state.Host(str(home))
    )
    assert found["restart"] is True  # r1 is not live yet: nothing points current at it
    go_live(home, "r1", state)
    found = release_state.inspect(FakeModule(home=str(home), env_file=str(env)), release_state.Host(str(home)))
    assert found["restart"] is False


def test_a_failed_release_is_marked_but_never_one_that_served(home):
    for name in ("r1", "r2", "r3"):
        release(home, name)
    go_live(home, "r2", {"release": "r2", "history": ["r1", "r2"]})
    failure = {"host": "web1", "stage": "migrate", "cause": "boom"}
    for name, marked in (("r3", True), ("r1", False), ("r2", False), ("gone", False)):
        module = FakeModule(home=str(home), view="failed", release=name, failure=failure)
        module.atomic_move = os.rename
        assert release_state.record_failed(module, release_state.Host(str(home)))["marked"] is marked, name
    assert json.loads((home / "releases" / "r3" / ".failed").read_text()) == dict(failure, id="r3")
    assert not (home / "releases" / "r1" / ".failed").exists()


class Python(FakeModule):
    def run_command(self, argv):
        assert argv[1:] == ["-c", "import sys; print(sys.version)"]
        return 0, "3.11.2 (main)\n", ""


def test_the_virtualenv_is_named_by_the_requirements_and_found_when_finished(home, tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("Django==5.2.8\n")
    module = Python(home=str(home), view="venv", source=str(tmp_path), packages=["gunicorn==23.0.0"], python="/usr/bin/python3")
    first = release_state.venv(module, release_state.Host(str(home)))
    assert first["venv"].startswith(str(home / "venvs") + "/")
    assert first["venv_ready"] is False
    assert first["dependencies"] == "requirements"
    os.makedirs(first["venv"])
    assert release_state.venv(module, release_state.Host(str(home)))["venv_ready"] is False  # unfinished
    open(os.path.join(first["venv"], ".complete"), "w").close()
    assert release_state.venv(module, release_state.Host(str(home))) == dict(first, venv_ready=True)
    requirements.write_text("Django==5.2.9\n")
    assert release_state.venv(module, release_state.Host(str(home)))["venv"] != first["venv"]


def test_a_uv_lock_decides_over_the_requirements_file_and_names_the_virtualenv(home, tmp_path):
    (tmp_path / "requirements.txt").write_text("Django==5.2.8\n")
    module = Python(home=str(home), view="venv", source=str(tmp_path), packages=[], python="/usr/bin/python3")
    before = release_state.venv(module, release_state.Host(str(home)))
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'blog'\n")
    (tmp_path / "uv.lock").write_text("version = 1\n")
    locked = release_state.venv(module, release_state.Host(str(home)))
    assert locked["dependencies"] == "uv" and locked["venv"] != before["venv"]
    (tmp_path / "uv.lock").write_text("version = 1\n# django bumped\n")
    assert release_state.venv(module, release_state.Host(str(home)))["venv"] != locked["venv"]


def test_a_missing_requirements_file_fails_naming_the_variable(home, tmp_path):
    module = Python(home=str(home), view="venv", source=str(tmp_path), packages=[], python="/usr/bin/python3")
    with pytest.raises(Failed) as failure:
        release_state.venv(module, release_state.Host(str(home)))
    assert "django_release_requirements_file: requirements.txt is not at the top" in str(failure.value)


def test_inspect_names_the_live_instance_from_the_socket_link(home):
    release(home, "r1")
    go_live(home, "r1", {"release": "r1"}, instance="green")
    module = FakeModule(home=str(home), shape={"source": "abc"})
    found = release_state.inspect(module, release_state.Host(str(home)))
    assert (found["instance"], found["next_instance"], found["service_active"]) == ("green", "blue", True)


def test_a_live_instance_that_does_not_run_needs_the_other_one_started(home):
    shape = {"source": "abc"}
    release(home, "r1", {"fingerprint": release_plan.fingerprint(shape)})
    go_live(home, "r1", {"release": "r1"})
    module = FakeModule(home=str(home), shape=shape, active=False)
    found = release_state.inspect(module, release_state.Host(str(home)))
    assert (found["build"], found["restart"], found["instance"]) == (False, True, "blue")


def test_a_worker_host_without_gunicorn_needs_no_restart_when_nothing_changed(home):
    # service "" (django_release_web false): no instance to be running.
    shape = {"source": "abc"}
    release(home, "r1", {"fingerprint": release_plan.fingerprint(shape)})
    os.symlink(str(home / "releases" / "r1"), str(home / "current"))
    (home / ".deploy").mkdir()
    (home / ".deploy" / "state.json").write_text(json.dumps({"release": "r1", "env_checksum": ""}))
    module = FakeModule(home=str(home), shape=shape, service="", socket=os.path.join(str(home), "none.sock"), active=False)
    found = release_state.inspect(module, release_state.Host(str(home)))
    assert (found["build"], found["restart"], found["instance"]) == (False, False, "")


def test_a_changed_unit_counts_like_a_changed_environment_file(home, monkeypatch):
    units = home / "units"
    units.mkdir()
    monkeypatch.setattr(release_state, "UNIT_DIR", str(units))
    (units / "gunicorn-blog@.service").write_text("[Service]\nExecStart=gunicorn\n")
    env = home / "blog.env"
    env.write_text("A=1\n")
    before = release_state.config_checksum(str(env), "gunicorn-blog")
    assert before != release_state.file_sha256(str(env))
    (units / "gunicorn-blog@.service").write_text("[Service]\nExecStart=gunicorn --workers 9\n")
    assert release_state.config_checksum(str(env), "gunicorn-blog") != before
    # Without units (the roles used without gunicorn's), the file alone.
    assert release_state.config_checksum(str(env), "other") == release_state.file_sha256(str(env))


def static_release(home, name, files):
    root = release(home, name, {"settings": {"static_root": str(home / "releases" / name / "static")}}) / "static"
    for path, content in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(content)
    manifest = {"paths": {path.replace(".%s" % name, ""): path for path in files}, "version": "1.1"}
    (root / "staticfiles.json").write_text(json.dumps(manifest))


def test_static_keeps_the_hashed_files_of_the_kept_releases_and_the_new_one(home):
    static_release(home, "r1", {"css/site.r1.css": "one"})
    static_release(home, "r2", {"css/site.r2.css": "two"})
    static_release(home, "r3", {"css/site.r3.css": "three"})
    go_live(home, "r2", {"release": "r2", "history": ["r1", "r2"]})
    module = FakeModule(home=str(home), view="static", release="r3", keep=2)
    found = release_state.static(module, release_state.Host(str(home)))
    kept = home / "static-kept"
    # keep 2: r2 (live) and r3 (about to serve); r1 is dropped.
    assert sorted(found["static_changes"]) == ["css/site.r2.css", "css/site.r3.css"]
    assert (kept / "css/site.r2.css").read_text() == "two"
    assert os.path.samefile(str(kept / "css/site.r3.css"), str(home / "releases/r3/static/css/site.r3.css"))
    assert not (kept / "css/site.r1.css").exists()
    # The unhashed manifest and names never go there.
    assert not (kept / "staticfiles.json").exists()
    again = release_state.static(module, release_state.Host(str(home)))
    assert again["changed"] is False


def test_prune_drops_the_static_files_of_the_releases_it_removes(home):
    for name in ("r1", "r2", "r3"):
        static_release(home, name, {"site.%s.css" % name: name})
    go_live(home, "r3", {"release": "r3", "history": ["r1", "r2", "r3"]})
    release_state.static(FakeModule(home=str(home), view="static", release="r3", keep=3), release_state.Host(str(home)))
    assert sorted(os.listdir(str(home / "static-kept"))) == ["site.r1.css", "site.r2.css", "site.r3.css"]
    found = release_state.prune(FakeModule(home=str(home), view="prune", release="r3", keep=2), release_state.Host(str(home)))
    assert found["static_changes"] == ["site.r1.css"]
    assert sorted(os.listdir(str(home / "static-kept"))) == ["site.r2.css", "site.r3.css"]


def test_a_locked_projects_virtualenv_follows_its_lockfile_and_pyproject(tmp_path):
    pyproject, lock = tmp_path / "pyproject.toml", tmp_path / "uv.lock"
    pyproject.write_text("[project]\nname = 'blog'\n")
    lock.write_text("version = 1\n")
    first = release_state.dependencies_checksum([str(pyproject), str(lock)])
    lock.write_text("version = 1\n# django bumped\n")
    assert release_state.dependencies_checksum([str(pyproject), str(lock)]) != first
    # One requirements file keeps the checksum it always had.
    assert release_state.dependencies_checksum([str(lock)]) == release_state.file_sha256(str(lock))
    assert release_state.dependencies_checksum([]) == ""


class Steps(FakeModule):
    """Records the commands a step runs; `systemctl is-enabled` answers from ``enabled``."""

    def __init__(self, enabled=(), **params):
        super().__init__(**params)
        self.enabled = set(enabled)
        self.commands = []
        self.atomic_move = os.rename

    def run_command(self, argv):
        self.commands.append(argv)
        if argv[:2] == ["systemctl", "is-enabled"]:
            return (0, "enabled\n", "") if argv[2] in self.enabled else (1, "disabled\n", "")
        if argv[:1] == ["python3"] or argv[1:2] == ["-c"]:
            return 0, "3.11.2 (main)\n", ""
        return 0, "", ""


def me():
    import grp
    import pwd

    return pwd.getpwuid(os.geteuid()).pw_name, grp.getgrgid(os.getegid()).gr_name


def test_prepare_makes_the_folders_and_an_empty_release_folder(home):
    leftover = release(home, "r2")
    (leftover / "half-unpacked.py").write_text("")
    (home / "venvs").chmod(0o777)
    result = release_state.prepare(Steps(home=str(home), release="r2"), release_state.Host(str(home)))
    assert result["path"] == str(leftover) and os.listdir(str(leftover)) == []
    assert oct(leftover.stat().st_mode & 0o7777) == "0o755"
    assert oct((home / "venvs").stat().st_mode & 0o7777) == "0o755"
    assert any("earlier attempt" in line for line in result["changes"])
    with pytest.raises(Failed, match="release must be a release's folder name"):
        release_state.prepare(Steps(home=str(home), release="../etc"), release_state.Host(str(home)))


def test_prepare_in_check_mode_changes_nothing(home):
    leftover = release(home, "r2")
    result = release_state.prepare(Steps(home=str(home), release="r2", check_mode=True), release_state.Host(str(home)))
    assert result["changed"] and (leftover / ".release.json").exists()


class Unpacks(Steps):
    """Runs tar and cp for real (tar with what the step pipes into it)."""

    def run_command(self, argv, data=None, binary_data=False):
        if argv[:1] not in (["tar"], ["cp"]):
            return super().run_command(argv)
        done = subprocess.run(argv, input=data, capture_output=True, check=False)
        return done.returncode, done.stdout.decode(), done.stderr.decode()


def packed(build):
    import base64
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        build(archive)
    return base64.b64encode(buffer.getvalue()).decode()


def test_prepare_unpacks_an_inline_project_as_root_s_read_only_code(home, tmp_path):
    source = tmp_path / "src"
    (source / "private").mkdir(parents=True)
    (source / "private").chmod(0o700)
    (source / "private" / "settings.py").write_text("DEBUG = False\n")
    (source / "private" / "settings.py").chmod(0o600)
    (source / "manage.py").write_text("#!/usr/bin/env python\n")
    (source / "manage.py").chmod(0o4775)
    (source / "shared.txt").write_text("x\n")
    (source / "shared.txt").chmod(0o666)
    (source / "link").symlink_to("private/settings.py")

    def build(archive):
        for name in ("private", "private/settings.py", "manage.py", "shared.txt", "link"):
            archive.add(str(source / name), arcname=name, recursive=False)

    result = release_state.prepare(Unpacks(home=str(home), release="r2", archive=packed(build)), release_state.Host(str(home)))
    release_dir = home / "releases" / "r2"
    assert any("unpack the project" in line for line in result["changes"])
    assert (release_dir / "private" / "settings.py").read_text() == "DEBUG = False\n"
    modes = {name: oct((release_dir / name).stat().st_mode & 0o7777) for name in ("private", "private/settings.py", "manage.py", "shared.txt")}
    assert modes == {"private": "0o755", "private/settings.py": "0o644", "manage.py": "0o755", "shared.txt": "0o644"}
    assert os.readlink(str(release_dir / "link")) == "private/settings.py"


def test_prepare_with_the_release_folder_as_source_also_finds_the_virtualenv(home):
    def build(archive):
        import io
        import tarfile

        for name, content in (("requirements.txt", b"Django==5.2.8\n"), ("manage.py", b"")):
            member = tarfile.TarInfo(name)
            member.size = len(content)
            archive.addfile(member, io.BytesIO(content))

    path = str(home / "releases" / "r2")
    module = Unpacks(
        home=str(home), release="r2", archive=packed(build), source=path, packages=[], python="/usr/bin/python3", revision="r2", link=True, project=path
    )
    result = release_state.prepare(module, release_state.Host(str(home)))
    # What the venv step returns, from the same call.
    alone = release_state.venv(Unpacks(home=str(home), source=path, packages=[], python="/usr/bin/python3", project=path), release_state.Host(str(home)))
    assert result["venv"] == alone["venv"] and result["dependencies"] == "requirements" and result["manage_py"]
    assert result["venv_ready"] is False
    assert os.readlink(path + "/.venv") == result["venv"]
    assert (home / "releases" / "r2" / "REVISION").read_text() == "r2\n"
    assert any("unpack the project" in line for line in result["changes"]) and result["changed"]


def test_prepare_never_unpacks_outside_the_release_folder(home):
    import io
    import tarfile

    def build(archive):
        member = tarfile.TarInfo("../../escaped.py")
        member.size = 2
        archive.addfile(member, io.BytesIO(b"x\n"))

    try:
        release_state.prepare(Unpacks(home=str(home), release="r2", archive=packed(build)), release_state.Host(str(home)))
    except Failed:
        pass
    assert not (home / "escaped.py").exists() and not (home.parent / "escaped.py").exists()


def test_prepare_refuses_an_archive_that_is_not_base64(home):
    with pytest.raises(Failed, match="archive must be a base64 gzip-compressed tar archive"):
        release_state.prepare(Unpacks(home=str(home), release="r2", archive="not base64!"), release_state.Host(str(home)))


def test_the_venv_step_writes_the_revision_links_the_virtualenv_and_finds_manage_py(home):
    source = release(home, "r1")
    (source / "requirements.txt").write_text("Django==5.2.8\n")
    (source / "site").mkdir()
    module = Steps(home=str(home), view="venv", source=str(source), packages=[], python="/usr/bin/python3", revision="r1", link=True)
    module.params["project"] = str(source / "site")
    result = release_state.venv(module, release_state.Host(str(home)))
    assert (source / "REVISION").read_text() == "r1\n"
    assert os.readlink(str(source / ".venv")) == result["venv"]
    assert result["manage_py"] is False and result["changed"] is True
    (source / "site" / "manage.py").write_text("")
    again = release_state.venv(module, release_state.Host(str(home)))
    assert again["manage_py"] is True and again["changed"] is False


def test_shared_reuses_the_live_release_s_static_files_unless_the_new_one_has_its_own(home):
    live = release(home, "r1") / "staticfiles"
    (live / "css").mkdir(parents=True)
    (live / "css" / "site.abc123.css").write_text("body {}\n")
    user, group = me()
    new = release(home, "r2") / "staticfiles"
    module = Unpacks(home=str(home), view="shared", user=user, group=group, static_from=str(live), static_to=str(new), static_hardlink=True)
    result = release_state.shared(module, release_state.Host(str(home)))
    assert result["static_copied"] and result["changed"]
    assert os.path.samefile(str(new / "css" / "site.abc123.css"), str(live / "css" / "site.abc123.css"))
    # There already: left as it is, and not counted as reused.
    again = release_state.shared(module, release_state.Host(str(home)))
    assert not again["static_copied"] and again["changes"] == []
    # Copied, not linked, when something may write into the new files.
    copied = release(home, "r3") / "staticfiles"
    module.params.update(static_to=str(copied), static_hardlink=False)
    assert release_state.shared(module, release_state.Host(str(home)))["static_copied"]
    assert not os.path.samefile(str(copied / "css" / "site.abc123.css"), str(live / "css" / "site.abc123.css"))
    # The live files gone (removed by hand): no error, the caller collects.
    module.params.update(static_from=str(home / "releases" / "r0" / "staticfiles"), static_to=str(release(home, "r4") / "staticfiles"))
    assert release_state.shared(module, release_state.Host(str(home)))["static_copied"] is False


def test_shared_paths_become_links_to_folders_that_outlive_releases(home):
    project = release(home, "r1") / "site"
    (project / "blog" / "media" / "old").mkdir(parents=True)
    (project / "blog" / "media" / "old" / "upload.png").write_text("")
    user, group = me()
    module = Steps(
        home=str(home),
        view="shared",
        project=str(project),
        user=user,
        group=group,
        media_group=group,
        shared=[{"path": "blog/media", "link": True}, {"path": "cache", "link": False}],
        media_path="blog/media",
    )
    result = release_state.shared(module, release_state.Host(str(home)))
    media = home / "shared" / "blog" / "media"
    assert os.readlink(str(project / "blog" / "media")) == str(media)
    assert oct(media.stat().st_mode & 0o7777) == "0o2750"
    assert (home / "shared" / "cache").is_dir() and not (project / "cache").exists()
    assert result["changed"]
    assert release_state.shared(module, release_state.Host(str(home)))["changes"] == []
    module.params["shared"] = [{"path": "../etc", "link": True}]
    with pytest.raises(Failed, match="must be relative, inside the project"):
        release_state.shared(module, release_state.Host(str(home)))


def test_a_shared_folder_that_links_to_another_disk_is_kept(home, tmp_path):
    project = release(home, "r1")
    disk = tmp_path / "disk"
    disk.mkdir()
    (home / "shared").mkdir()
    os.symlink(str(disk), str(home / "shared" / "media"))
    user, group = me()
    module = Steps(
        home=str(home), project=str(project), user=user, group=group, media_group=group, shared=[{"path": "media", "link": True}], media_path="media"
    )
    release_state.shared(module, release_state.Host(str(home)))
    assert os.readlink(str(home / "shared" / "media")) == str(disk)
    assert oct(disk.stat().st_mode & 0o7777) == "0o2750"
    module.params["user"] = "no-such-user-here"
    with pytest.raises(Failed, match='The user "no-such-user-here" does not exist'):
        release_state.shared(module, release_state.Host(str(home)))


def test_built_writes_the_record_and_keeps_the_static_files(home):
    static_release(home, "r1", {"app.r1.css": "one"})
    root = home / "releases" / "r1" / "static"
    record = {"id": "r1", "settings": {"static_root": str(root)}}
    module = Steps(home=str(home), view="built", release="r1", record=record, static=True)
    result = release_state.built(module, release_state.Host(str(home)))
    assert json.loads((home / "releases" / "r1" / ".release.json").read_text()) == record
    assert (home / "static-kept" / "app.r1.css").read_text() == "one"
    assert result["record"] == record and result["changed"]


def test_built_starts_the_release_on_the_idle_instance_once_recorded(home):
    static_release(home, "r1", {"app.r1.css": "one"})
    root = home / "releases" / "r1" / "static"
    record = {"id": "r1", "settings": {"static_root": str(root)}}
    module = Steps(home=str(home), view="built", release="r1", record=record, static=True, service="gunicorn-blog", instance="blue")
    result = release_state.built(module, release_state.Host(str(home)))
    # Recorded and its static files kept before the instance starts on it.
    assert (home / "static-kept" / "app.r1.css").read_text() == "one"
    assert result["started"] == "gunicorn-blog@blue" and result["changed"]
    assert os.readlink(str(home / "blue")) == str(home / "releases" / "r1")
    assert module.commands[-2:] == [["systemctl", "stop", "gunicorn-blog@blue.socket"], ["systemctl", "start", "gunicorn-blog@blue.service"]]
    # Without an instance, nothing starts.
    quiet = Steps(home=str(home), view="built", release="r1", record=record)
    assert release_state.built(quiet, release_state.Host(str(home)))["started"] == "" and quiet.commands == []


def test_start_stops_the_idle_instance_and_its_retirement_then_points_and_starts_it(home):
    target = release(home, "r2")
    module = Steps(home=str(home), view="start", service="gunicorn-blog", instance="green", release=str(target))
    release_state.start(module, release_state.Host(str(home)))
    assert module.commands == [
        ["systemctl", "stop", "gunicorn-blog-retire-green.timer"],
        ["systemctl", "stop", "gunicorn-blog-retire-green.service"],
        ["systemctl", "stop", "gunicorn-blog@green.socket"],
        ["systemctl", "start", "gunicorn-blog@green.service"],
    ]
    assert os.readlink(str(home / "green")) == str(target)
    with pytest.raises(Failed, match="instance must be blue or green"):
        release_state.start(Steps(home=str(home), service="gunicorn-blog", instance="red", release=str(target)), release_state.Host(str(home)))


def test_start_passes_over_a_retirement_that_ran_meanwhile_and_fails_on_other_errors(home):
    # The old instance's retirement timer fires while the deploy stops it:
    # systemd has unloaded the transient units, which stop nothing any more.
    class Gone(Steps):
        def run_command(self, argv):
            self.commands.append(argv)
            if "retire" in argv[-1]:
                return 5, "", "Failed to stop %s: Unit %s not loaded.\n" % (argv[-1], argv[-1])
            return 0, "", ""

    module = Gone(home=str(home), service="gunicorn-blog", instance="green", release=str(release(home, "r2")))
    release_state.start(module, release_state.Host(str(home)))
    assert module.commands[-1] == ["systemctl", "start", "gunicorn-blog@green.service"]

    class Refused(Steps):
        def run_command(self, argv):
            if argv[-1].endswith(".timer"):
                return 1, "", "Failed to stop gunicorn-blog-retire-green.timer: Access denied\n"
            return 0, "", ""

    module = Refused(home=str(home), service="gunicorn-blog", instance="green", release=str(release(home, "r3")))
    with pytest.raises(Failed, match="systemctl stop gunicorn-blog-retire-green.timer failed: .*Access denied"):
        release_state.start(module, release_state.Host(str(home)))


def test_a_unit_that_does_not_start_fails_with_systemds_reason(home):
    class Broken(Steps):
        def run_command(self, argv):
            if argv[1] == "start":
                return 5, "", "Failed to start gunicorn-blog@green.service: Unit not found.\n"
            return super().run_command(argv)

    module = Broken(home=str(home), service="gunicorn-blog", instance="green", release=str(release(home, "r2")))
    with pytest.raises(Failed, match="Unit not found"):
        release_state.start(module, release_state.Host(str(home)))
    # Its socket does not stay behind, listening for a release that failed.
    assert module.commands[-1] == ["systemctl", "stop", "gunicorn-blog@green.socket"]


def test_live_enables_the_new_instance_retires_the_old_one_after_the_drain(home):
    tmpfiles = home / "gunicorn-blog.conf"
    module = Steps(
        enabled={"gunicorn-blog@blue.service"},
        home=str(home),
        view="live",
        service="gunicorn-blog",
        instance="green",
        old_instance="blue",
        socket="/run/gunicorn-blog/gunicorn.sock",
        tmpfiles=str(tmpfiles),
        drain=30,
    )
    result = release_state.live(module, release_state.Host(str(home)))
    run = [argv for argv in module.commands if argv[1] != "is-enabled"]
    assert run[0] == ["systemctl", "enable", "--quiet", "gunicorn-blog@green.service"]
    assert run[1] == ["systemctl", "disable", "--quiet", "gunicorn-blog@blue.service"]
    assert run[2][0] == "systemd-run" and "--unit=gunicorn-blog-retire-blue" in run[2] and "--on-active=30s" in run[2]
    assert run[2][-3:] == ["systemctl", "stop", "gunicorn-blog@blue.socket"]
    assert "L+ /run/gunicorn-blog/gunicorn.sock - - - - green.sock" in tmpfiles.read_text()
    assert result["changed"]


def test_live_without_a_drain_stops_the_old_instance_at_once_and_in_check_mode_nothing(home):
    module = Steps(enabled={"gunicorn-blog@green.service"}, home=str(home), service="gunicorn-blog", instance="green", old_instance="blue", drain=0)
    release_state.live(module, release_state.Host(str(home)))
    assert [argv for argv in module.commands if argv[1] != "is-enabled"] == [["systemctl", "stop", "gunicorn-blog@blue.socket"]]
    dry = Steps(home=str(home), service="gunicorn-blog", instance="green", old_instance="blue", drain=30, check_mode=True)
    assert release_state.live(dry, release_state.Host(str(home)))["changed"]
    assert all(argv[1] == "is-enabled" for argv in dry.commands)


def test_switch_moves_current_then_the_socket_link(home):
    target = release(home, "r2")
    release(home, "r1")
    go_live(home, "r1", {"release": "r1", "history": ["r1"]}, instance="blue")
    module = Steps(home=str(home), view="switch", release=str(target), socket=str(home / "gunicorn.sock"), instance="green")
    result = release_state.switch(module, release_state.Host(str(home)))
    assert os.readlink(str(home / "current")) == str(target)
    assert os.readlink(str(home / "gunicorn.sock")) == "green.sock"
    assert result["changed"] and len(result["changes"]) == 2
    # current alone (the processes go first), then the socket alone.
    only_socket = Steps(home=str(home), release="", socket=str(home / "gunicorn.sock"), instance="blue")
    release_state.switch(only_socket, release_state.Host(str(home)))
    assert os.readlink(str(home / "current")) == str(target)
    assert os.readlink(str(home / "gunicorn.sock")) == "blue.sock"


def test_live_prunes_when_asked(home):
    for name in ("r1", "r2", "r3"):
        release(home, name)
    go_live(home, "r3", {"release": "r3", "history": ["r1", "r2", "r3"]})
    module = Steps(home=str(home), service="gunicorn-blog", instance="green", old_instance="blue", drain=0, prune=True, release="r3", keep=2)
    result = release_state.live(module, release_state.Host(str(home)))
    assert result["removed"] == [str(home / "releases" / "r1")]
    assert sorted(os.listdir(str(home / "releases"))) == ["r2", "r3"]


def test_live_gives_the_deploy_lock_back_last_and_only_its_owner_s(home):
    from ansible_collections.deployment.django.plugins.module_utils.lock_file import create_lock

    lock = home / "deploy.lock"
    release(home, "r1")
    go_live(home, "r1", {"release": "r1", "history": ["r1"]})
    assert create_lock(str(lock), {"owner": "run-a", "since": 1, "info": {}})
    others = Steps(home=str(home), service="gunicorn-blog", instance="green", lock=str(lock), lock_owner="run-b")
    assert release_state.live(others, release_state.Host(str(home)))["unlocked"] is False and lock.exists()
    checked = Steps(home=str(home), service="gunicorn-blog", instance="green", lock=str(lock), lock_owner="run-a", check_mode=True)
    assert release_state.live(checked, release_state.Host(str(home)))["unlocked"] is True and lock.exists()
    mine = Steps(home=str(home), service="gunicorn-blog", instance="green", lock=str(lock), lock_owner="run-a")
    assert release_state.live(mine, release_state.Host(str(home)))["unlocked"] is True and not lock.exists()
    # No lock named: none given back.
    assert release_state.live(Steps(home=str(home), service="gunicorn-blog", instance="green"), release_state.Host(str(home)))["unlocked"] is False


class RunningModule(FakeModule):
    def run_command(self, argv):
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        return done.returncode, done.stdout, done.stderr

    def atomic_move(self, source, destination):
        os.replace(source, destination)


def test_built_compiles_the_release_every_time_and_its_virtualenv_once(home):
    # The app user cannot write bytecode into root's release and virtualenv:
    # it is compiled before the release starts, with the release's Python.
    venv = home / "venvs" / "v1"
    (venv / "bin").mkdir(parents=True)
    os.symlink(sys.executable, str(venv / "bin" / "python"))
    (venv / "lib").mkdir()
    (venv / "lib" / "library.py").write_text("VALUE = 1\n")
    path = release(home, "r2")
    os.symlink(str(venv), str(path / ".venv"))
    (path / "app").mkdir()
    (path / "app" / "views.py").write_text("def index():\n    return 1\n")
    (path / "app" / "broken.py").write_text("def (:\n")
    module = RunningModule(view="built", home=str(home), release="r2", record={"id": "r2", "venv": str(venv)}, bytecode=True)
    found = release_state.built(module, release_state.Host(str(home)))
    assert found["compiled"] == [str(path), str(venv)]
    assert list((path / "app" / "__pycache__").glob("views.*.pyc"))
    # A file that does not compile is left to the release's checks.
    assert not list((path / "app" / "__pycache__").glob("broken.*.pyc"))
    assert list((venv / "lib" / "__pycache__").glob("library.*.pyc"))
    assert (venv / ".bytecode").exists()
    # The next release with the same virtualenv compiles only its own code.
    again = release(home, "r3")
    os.symlink(str(venv), str(again / ".venv"))
    module.params["release"] = "r3"
    found = release_state.built(module, release_state.Host(str(home)))
    assert found["compiled"] == [str(again)]
    # In check mode, nothing is written; without bytecode, nothing compiled.
    fresh = release(home, "r4")
    os.symlink(str(venv), str(fresh / ".venv"))
    (fresh / "code.py").write_text("X = 1\n")
    checking = RunningModule(view="built", home=str(home), release="r4", record={"id": "r4"}, bytecode=True, check_mode=True)
    assert release_state.built(checking, release_state.Host(str(home)))["compiled"] == [str(fresh)]
    assert not (fresh / "__pycache__").exists()
    plain = RunningModule(view="built", home=str(home), release="r4", record={"id": "r4"})
    assert release_state.built(plain, release_state.Host(str(home)))["compiled"] == []


def test_a_decision_to_do_nothing_gives_the_lock_back_in_the_same_call(home):
    shape = {"source": "abc"}
    release(home, "r1", {"fingerprint": release_plan.fingerprint(shape)})
    go_live(home, "r1", {"release": "r1", "history": ["r1"]})
    lock = home / ".deploy" / "deploy.lock"
    params = dict(home=str(home), shape=shape, lock=str(lock), lock_owner="run-a", lock_idle=True)
    found = release_state.run(FakeModule(**params))
    assert (found["build"], found["restart"], found["unlocked"]) == (False, False, True)
    assert found["lock"] == {"holder": {}, "taken_over": False}
    assert not lock.exists()
    # Without lock_idle, or with a release to build, the run keeps it.
    found = release_state.run(FakeModule(**{**params, "lock_idle": False}))
    assert (found["unlocked"], json.loads(lock.read_text())["owner"]) == (False, "run-a")
    lock.unlink()
    found = release_state.run(FakeModule(**{**params, "shape": {"source": "new"}}))
    assert (found["build"], found["unlocked"]) == (True, False)
    assert lock.exists()
    # Nor while the host lacks the set-up this run does next, under it.
    lock.unlink()
    found = release_state.run(FakeModule(**{**params, "setup": "newer"}))
    assert (found["build"], found["unlocked"]) == (False, False)
    assert lock.exists()
    # No lock asked: none taken, nothing said of one.
    lock.unlink()
    found = release_state.run(FakeModule(home=str(home), shape=shape))
    assert "lock" not in found and "unlocked" not in found and not lock.exists()
