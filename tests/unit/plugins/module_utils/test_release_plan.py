"""release_plan: every decision of a release, as tables of cases."""

import pytest

from ansible_collections.deployment.django.plugins.module_utils import release_plan as plan

LIVE = {"id": "r2", "fingerprint": "f" * 64, "venv": "/srv/a/venvs/v2"}


def test_the_same_shape_gives_the_same_fingerprint_whatever_the_key_order():
    assert plan.fingerprint({"a": 1, "b": [1, 2]}) == plan.fingerprint({"b": [1, 2], "a": 1})
    assert plan.fingerprint({"a": 1}) != plan.fingerprint({"a": 2})
    assert len(plan.fingerprint({})) == 64


@pytest.mark.parametrize(
    "state, expected",
    [
        ({}, []),
        ({"release": "r1"}, ["r1"]),  # a state file from before histories
        ({"release": "r2", "history": ["r1", "r2"]}, ["r1", "r2"]),
        ({"release": "", "history": []}, []),
    ],
)
def test_history(state, expected):
    assert plan.history(state) == expected


@pytest.mark.parametrize(
    "live, fingerprint, force, expected",
    [
        ({}, "f" * 64, False, True),  # nothing serves yet
        (LIVE, "f" * 64, False, False),  # the same code, built the same way
        (LIVE, "e" * 64, False, True),  # something that shapes the release changed
        (LIVE, "f" * 64, True, True),  # asked for
    ],
)
def test_needs_build(live, fingerprint, force, expected):
    assert plan.needs_build(live, fingerprint, force) is expected


STATE = {"release": "r2", "env_checksum": "abc"}


@pytest.mark.parametrize(
    "state, live, env_checksum, active, expected",
    [
        (STATE, LIVE, "abc", True, False),  # nothing changed: a reload will do
        (STATE, LIVE, "abd", True, True),  # the environment file changed
        ({"release": "r1", "env_checksum": "abc"}, LIVE, "abc", True, True),  # switched by hand since
        (STATE, LIVE, "abc", False, True),  # the service is not running
        ({}, {}, "", False, False),  # a first deploy: the switch starts it
        ({}, {}, "abc", False, True),
    ],
)
def test_needs_restart(state, live, env_checksum, active, expected):
    assert plan.needs_restart(state, live, env_checksum, active) is expected


@pytest.mark.parametrize(
    "requested, timestamp, live_id, expected",
    [
        ("", "20261128T120000Z", "", "20261128T120000Z-abcdef01"),
        ("v1.4.2", "20261128T120000Z", "", "v1.4.2"),
        ("", "20261128T120000Z", "20261128T110000Z-abcdef01", "20261128T120000Z-abcdef01"),
    ],
)
def test_release_name(requested, timestamp, live_id, expected):
    assert plan.release_name(requested, timestamp, "abcdef01" + "0" * 56, live_id) == expected


@pytest.mark.parametrize(
    "requested, live_id, message",
    [
        ("../etc", "", "plain folder name"),
        (".hidden", "", "plain folder name"),
        ("a b", "", "plain folder name"),
        ("v1", "v1", "live release's name"),
    ],
)
def test_a_release_name_that_cannot_be_used_is_refused(requested, live_id, message):
    with pytest.raises(plan.PlanError, match=message):
        plan.release_name(requested, "20261128T120000Z", "0" * 64, live_id)


@pytest.mark.parametrize(
    "on_disk, served, new_id, keep, kept, removed",
    [
        # The newest two that served; a failed one (never served) goes.
        (["r1", "r2", "r3", "bad"], ["r1", "r2"], "r3", 2, ["r2", "r3"], ["bad", "r1"]),
        # Fewer than keep: all that served stay.
        (["r1", "r2"], ["r1"], "r2", 5, ["r1", "r2"], []),
        # Gone from disk already: not counted.
        (["r3", "r4"], ["r1", "r2", "r3"], "r4", 3, ["r3", "r4"], []),
        # A rollback to an old release keeps it, whatever its place.
        (["r1", "r2", "r3"], ["r1", "r2", "r3"], "r1", 2, ["r3", "r1"], ["r2"]),
        # A re-deploy of a release already in the history is not counted twice.
        (["r1", "r2"], ["r1", "r2"], "r2", 2, ["r1", "r2"], []),
    ],
)
def test_releases_to_keep(on_disk, served, new_id, keep, kept, removed):
    assert plan.releases_to_keep(on_disk, served, new_id, keep) == (kept, removed)


@pytest.mark.parametrize(
    "venvs, kept, venv_of, removed",
    [
        (["/v/a", "/v/b", "/v/c"], ["r1", "r2"], {"r1": "/v/a", "r2": "/v/a", "r0": "/v/c"}, ["/v/b", "/v/c"]),
        (["/v/a", "/v/b"], ["r1", "r2"], {"r1": "/v/a", "r2": "/v/b"}, []),
        # One kept release's virtualenv is not known: none goes.
        (["/v/a", "/v/b"], ["r1", "r2"], {"r2": "/v/b"}, []),
    ],
)
def test_venvs_to_remove(venvs, kept, venv_of, removed):
    assert plan.venvs_to_remove(venvs, kept, venv_of) == removed


@pytest.mark.parametrize(
    "served, on_disk, failed, live, requested, target",
    [
        (["r1", "r2", "r3"], ["r1", "r2", "r3"], set(), "r3", "", "r2"),
        # A failed release is skipped, a removed one too.
        (["r1", "r2", "r3"], ["r1", "r2", "r3"], {"r2"}, "r3", "", "r1"),
        (["r1", "r2", "r3"], ["r2", "r3"], set(), "r3", "", "r2"),
        # After a rollback to r2, the next goes further back, not forward.
        (["r1", "r2", "r3"], ["r1", "r2", "r3"], set(), "r2", "", "r1"),
        # A named one, forward or back.
        (["r1", "r2", "r3"], ["r1", "r2", "r3"], set(), "r2", "r3", "r3"),
        # The live release is not in the history (switched by hand): the newest that served.
        (["r1", "r2"], ["r1", "r2", "x"], set(), "x", "", "r2"),
    ],
)
def test_rollback_target(served, on_disk, failed, live, requested, target):
    assert plan.rollback_target(served, on_disk, failed, live, requested)[0] == target


@pytest.mark.parametrize(
    "served, on_disk, failed, live, requested, message",
    [
        (["r1"], ["r1"], set(), "r1", "", "No release that served before r1 is left"),
        (["r1", "r2"], ["r1", "r2"], {"r1"}, "r2", "", "releases to go back to: none"),
        (["r1", "r2"], ["r1", "r2"], set(), "r2", "r2", "is the live one"),
        (["r1", "r2"], ["r1", "r2", "bad"], {"bad"}, "r2", "bad", "releases to go back to: r1"),
        (["r1", "r2"], ["r1", "r2"], set(), "r2", "r0", "not a release that served"),
    ],
)
def test_no_good_rollback_target_is_refused_naming_the_candidates(served, on_disk, failed, live, requested, message):
    with pytest.raises(plan.PlanError, match=message):
        plan.rollback_target(served, on_disk, failed, live, requested)


@pytest.mark.parametrize(
    "state, release, venv, history, venvs",
    [
        ({}, "r1", "/v/a", ["r1"], {"r1": "/v/a"}),
        # A switch back to r1 does not reorder the history.
        ({"release": "r2", "history": ["r1", "r2"], "venvs": {"r1": "/v/a", "r2": "/v/b"}}, "r1", "/v/a", ["r1", "r2"], {"r1": "/v/a", "r2": "/v/b"}),
        # A restart of the live release without a known virtualenv keeps the record.
        ({"release": "r1", "history": ["r1"], "venvs": {"r1": "/v/a"}}, "r1", "", ["r1"], {"r1": "/v/a"}),
        # Releases that fell out of the history lose their virtualenv's record.
        ({"release": "r2", "history": ["r1", "r2"], "venvs": {"r0": "/v/z", "r1": "/v/a"}}, "r3", "/v/c", ["r2", "r3"], {"r3": "/v/c"}),
    ],
)
def test_served(state, release, venv, history, venvs):
    recorded = plan.served(state, release, "sum", "setup", venv, size=2)
    assert recorded == {"release": release, "env_checksum": "sum", "history": history, "setup": "setup", "venvs": venvs}


def test_releases_with_the_same_requirements_share_a_virtualenv():
    name = plan.venv_name("sum", ["gunicorn==23.0.0"], "3.11.2")
    assert name == plan.venv_name("sum", ("gunicorn==23.0.0",), "3.11.2")
    assert len(name) == 16
    for other in (("sum2", ["gunicorn==23.0.0"], "3.11.2"), ("sum", ["gunicorn==22.0.0"], "3.11.2"), ("sum", ["gunicorn==23.0.0"], "3.13.5")):
        assert plan.venv_name(*other) != name


@pytest.mark.parametrize(
    "target, instance",
    [
        ("blue.sock", "blue"),
        ("/run/gunicorn-blog/green.sock", "green"),
        ("gunicorn.sock", ""),
        ("blue.socket", ""),
        ("", ""),
    ],
)
def test_the_socket_link_names_the_live_instance(target, instance):
    assert plan.instance_of(target) == instance


def test_kept_static_files_are_the_hashed_names_newest_release_first():
    manifests = [
        ("r3", {"site.css": "site.333.css", "app.js": "app.111.js", "robots.txt": "robots.txt"}),
        ("r2", {"site.css": "site.222.css", "app.js": "app.111.js"}),
    ]
    assert plan.kept_static_files(manifests) == {"site.333.css": "r3", "app.111.js": "r3", "site.222.css": "r2"}


@pytest.mark.parametrize("hashed", ["../../etc/passwd.1.css", "/etc/x.1.css", "a//b.1.css", "./a.1.css", "a\\b.1.css", "", None])
def test_kept_static_files_never_names_a_path_that_leaves_the_folder(hashed):
    assert plan.kept_static_files([("r1", {"a.css": hashed})]) == {}


@pytest.mark.parametrize("live, idle", [("blue", "green"), ("green", "blue"), ("", "blue")])
def test_a_release_starts_on_the_instance_that_is_not_live(live, idle):
    assert plan.next_instance(live) == idle


@pytest.mark.parametrize(
    "present, requested, expected",
    [
        (["pyproject.toml", "uv.lock", "requirements.txt"], "auto", ("uv", ["pyproject.toml", "uv.lock"])),
        (["pyproject.toml", "poetry.lock"], "auto", ("poetry", ["pyproject.toml", "poetry.lock"])),
        (["requirements.txt"], "auto", ("requirements", ["requirements.txt"])),
        (["pyproject.toml", "uv.lock", "requirements.txt"], "requirements", ("requirements", ["requirements.txt"])),
    ],
)
def test_the_lockfile_decides_unless_told_otherwise(present, requested, expected):
    assert plan.dependency_source(present, requested) == expected


@pytest.mark.parametrize(
    "present, requested, words",
    [
        (["uv.lock"], "auto", "django_release_dependencies is auto (uv): the source's top must hold pyproject.toml and uv.lock; pyproject.toml is missing"),
        (["requirements.txt"], "poetry", "poetry.lock; pyproject.toml and poetry.lock are missing"),
        (["pyproject.toml"], "auto", "django_release_requirements_file: requirements.txt is not at the top of the source"),
        ([], "pipenv", "django_release_dependencies must be auto, uv, poetry, requirements"),
    ],
)
def test_a_missing_dependency_file_is_named(present, requested, words):
    with pytest.raises(plan.PlanError) as error:
        plan.dependency_source(present, requested)
    assert words in str(error.value)


def test_a_project_without_requirements_file_installs_only_the_packages():
    assert plan.dependency_source(["pyproject.toml"], "auto", requirements_file="") == ("requirements", [])


def test_a_uv_lock_is_refused_to_pip_but_not_a_poetry_lock():
    with pytest.raises(plan.PlanError) as error:
        plan.dependency_source(["pyproject.toml", "uv.lock"], "auto", installer="pip")
    assert "django_release_installer is pip, but the project's dependencies are locked in uv.lock" in str(error.value)
    assert plan.dependency_source(["pyproject.toml", "poetry.lock"], "auto", installer="pip") == (
        "poetry",
        ["pyproject.toml", "poetry.lock"],
    )
    # Told to use the requirements file, pip is fine beside a uv.lock.
    assert plan.dependency_source(["requirements.txt", "uv.lock"], "requirements", installer="pip")[0] == "requirements"
