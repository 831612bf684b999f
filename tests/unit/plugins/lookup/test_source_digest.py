"""source_digest: same content, same digest; any deployable change, new digest."""

import os

import pytest
from ansible.errors import AnsibleLookupError
from ansible.plugins.loader import lookup_loader

from ansible_collections.deployment.django.plugins.lookup.source_digest import (
    is_excluded,
    tree_digest,
)


def lookup():
    return lookup_loader.get("deployment.django.source_digest")


EXCLUDE = [".git", "__pycache__", "*.pyc", "media"]


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "src"
    (root / "app").mkdir(parents=True)
    (root / "app" / "views.py").write_text("print('v1')\n")
    (root / "manage.py").write_text("#!/usr/bin/env python\n")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return root


def test_stable_for_identical_content(project, tmp_path):
    first = tree_digest(str(project), EXCLUDE)
    os.utime(project / "manage.py", (1, 1))  # timestamps do not count
    assert tree_digest(str(project), EXCLUDE) == first


def test_changes_with_content(project):
    before = tree_digest(str(project), EXCLUDE)
    (project / "app" / "views.py").write_text("print('v2')\n")
    assert tree_digest(str(project), EXCLUDE) != before


def test_changes_with_a_rename(project):
    before = tree_digest(str(project), EXCLUDE)
    (project / "app" / "views.py").rename(project / "app" / "other.py")
    assert tree_digest(str(project), EXCLUDE) != before


def test_changes_with_the_executable_bit(project):
    before = tree_digest(str(project), EXCLUDE)
    (project / "manage.py").chmod(0o755)
    assert tree_digest(str(project), EXCLUDE) != before


def test_excluded_paths_do_not_count(project):
    before = tree_digest(str(project), EXCLUDE)
    (project / ".git" / "HEAD").write_text("ref: refs/heads/other\n")
    (project / "app" / "__pycache__").mkdir()
    (project / "app" / "__pycache__" / "views.cpython-311.pyc").write_bytes(b"\0")
    (project / "media").mkdir()
    (project / "media" / "upload.png").write_bytes(b"\x89PNG")
    assert tree_digest(str(project), EXCLUDE) == before


def test_symlinks_are_recorded_not_followed(project, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "big.bin").write_bytes(b"x" * 10)
    (project / "link").symlink_to(outside)
    before = tree_digest(str(project), EXCLUDE)
    (outside / "big.bin").write_bytes(b"y" * 10)
    assert tree_digest(str(project), EXCLUDE) == before


def test_a_file_is_hashed_whole(tmp_path):
    archive = tmp_path / "release.tar.gz"
    archive.write_bytes(b"one")
    first = tree_digest(str(archive))
    archive.write_bytes(b"two")
    assert tree_digest(str(archive)) != first


@pytest.mark.parametrize(
    "path,expected",
    [
        (".git", True),
        ("app/.git/config", True),
        ("app/views.pyc", True),
        ("app/views.py", False),
        ("mediafiles/x", False),
    ],
)
def test_is_excluded(path, expected):
    assert is_excluded(path, EXCLUDE) is expected


def test_lookup_names_a_missing_path(tmp_path):
    with pytest.raises(AnsibleLookupError, match="does not exist on the controller"):
        lookup().run([str(tmp_path / "missing")], variables={})


def test_lookup_returns_one_digest_per_term(project):
    result = lookup().run([str(project)], variables={}, exclude=EXCLUDE)
    assert result == [tree_digest(str(project), EXCLUDE)]
