"""The built collection holds what users run and nothing of the workbench."""

import pathlib
import subprocess
import tarfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def members(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    subprocess.run(
        ["ansible-galaxy", "collection", "build", "--force", "--output-path", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        text=True,
    )
    (tarball,) = out.glob("deployment-django-*.tar.gz")
    with tarfile.open(tarball) as archive:
        return {name.split("/", 1)[0] for name in archive.getnames()}, set(archive.getnames())


def test_the_collection_ships_what_users_run(members):
    top, names = members
    for needed in ["MANIFEST.json", "FILES.json", "README.md", "roles", "playbooks", "plugins", "meta", "inventories", "examples"]:
        assert needed in top
    for role in ["python_app", "gunicorn", "nginx_static", "postgres", "django_release"]:
        assert "roles/%s/meta/argument_specs.yml" % role in names
    assert "plugins/modules/deploy_lock.py" in names
    assert "meta/runtime.yml" in names


def test_the_collection_leaves_tests_and_tooling_out(members):
    top, names = members
    for left_out in ["tests", "molecule", "tools", "benchmarks", "requirements", ".venv", ".ansible", ".cache", ".git", ".ci", "Makefile"]:
        assert left_out not in top
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


def test_the_stated_ansible_core_range_holds_the_tested_release():
    import yaml
    from ansible.module_utils.compat.version import LooseVersion

    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    lowest = runtime["requires_ansible"].removeprefix(">=")
    pinned = next(
        line.split("==", 1)[1].strip()
        for line in (ROOT / "requirements" / "dev.txt").read_text().splitlines()
        if line.startswith("ansible-core==")
    )
    assert LooseVersion(pinned) >= LooseVersion(lowest)
    # Every role says the same as the collection.
    for meta in (ROOT / "roles").glob("*/meta/main.yml"):
        stated = yaml.safe_load(meta.read_text())["galaxy_info"]["min_ansible_version"]
        assert LooseVersion(stated) == LooseVersion(".".join(lowest.split(".")[:2])), meta


def test_django_release_ships_exactly_its_helpers():
    # setup.yml installs the role's files/ folder whole, and the digest that
    # decides when to install it again reads _django_release_helpers: the
    # two must name the same files.
    import yaml

    role = ROOT / "roles" / "django_release"
    listed = yaml.safe_load((role / "vars" / "main.yml").read_text())["_django_release_helpers"]
    shipped = [p.name for p in (role / "files").iterdir() if p.name != "__pycache__"]
    assert sorted(listed) == sorted(shipped)
