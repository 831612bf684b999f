"""The controller's reading of a project's dependency files: which one
decides, and a uv.lock left stale by an edit of pyproject.toml."""

import pathlib
import shutil

import pytest

from ansible_collections.deployment.django.plugins.lookup.dependency_source import dependency_source

ROOT = pathlib.Path(__file__).resolve().parents[4]
GALLERY = ROOT / "examples" / "gallery"
RELEASE_FOUR = ROOT / "molecule" / "gallery" / "files" / "release-four"


@pytest.fixture
def gallery(tmp_path):
    for name in ("pyproject.toml", "uv.lock"):
        shutil.copy(str(GALLERY / name), str(tmp_path / name))
    return tmp_path


def edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_the_gallerys_lockfile_matches_and_decides(gallery):
    (gallery / "requirements.txt").write_text("Django\n")
    assert dependency_source(str(gallery)) == dict(kind="uv", files=["pyproject.toml", "uv.lock"], problem="")


def test_release_fours_relocked_project_matches():
    assert dependency_source(str(RELEASE_FOUR))["problem"] == ""


def test_a_dependency_added_without_relocking_is_named(gallery):
    edit(gallery / "pyproject.toml", '"psycopg2==2.9.10",', '"psycopg2==2.9.10",\n    "idna==3.10",')
    problem = dependency_source(str(gallery))["problem"]
    assert problem.startswith("django_release_dependencies: the project's uv.lock does not match its pyproject.toml")
    assert "pyproject.toml asks for idna==3.10, which uv.lock was not made from" in problem
    assert "run `uv lock`" in problem


def test_a_pin_changed_without_relocking_is_named_both_ways(gallery):
    edit(gallery / "pyproject.toml", "psycopg2==2.9.10", "psycopg2==2.9.9")
    problem = dependency_source(str(gallery))["problem"]
    assert "asks for psycopg2==2.9.9" in problem
    assert "uv.lock was made from psycopg2==2.9.10, which pyproject.toml no longer asks for" in problem


def test_the_python_range_is_compared(gallery):
    edit(gallery / "pyproject.toml", 'requires-python = ">=3.11"', 'requires-python = ">=3.12"')
    assert "pyproject.toml requires Python >=3.12, uv.lock was made for >=3.11" in dependency_source(str(gallery))["problem"]


def test_markers_written_differently_are_the_same_dependency(gallery):
    # uv records python_version as python_full_version: not a change.
    edit(gallery / "pyproject.toml", "python_version < '3.12'", "python_version<'3.12'")
    assert dependency_source(str(gallery))["problem"] == ""


def test_an_unreadable_lockfile_is_a_problem_not_a_crash(gallery):
    (gallery / "uv.lock").write_text("this is [not toml")
    assert "pyproject.toml or uv.lock cannot be read" in dependency_source(str(gallery))["problem"]


def test_poetry_and_requirements_projects_and_missing_files(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'notes'\n")
    (tmp_path / "poetry.lock").write_text("")
    assert dependency_source(str(tmp_path)) == dict(kind="poetry", files=["pyproject.toml", "poetry.lock"], problem="")
    assert dependency_source(str(tmp_path), dependencies="uv")["problem"].startswith("django_release_dependencies is uv (uv)")
    assert "django_release_requirements_file: reqs.txt" in dependency_source(str(tmp_path), "reqs.txt", "requirements")["problem"]
    assert dependency_source(str(tmp_path), "", "requirements") == dict(kind="requirements", files=[], problem="")
    assert "cannot be read" in dependency_source(str(tmp_path / "nowhere"))["problem"]


def test_a_uv_lock_for_pip_is_named_on_the_controller(gallery):
    problem = dependency_source(str(gallery), installer="pip")["problem"]
    assert problem.startswith("django_release_installer is pip, but the project's dependencies are locked in uv.lock")
