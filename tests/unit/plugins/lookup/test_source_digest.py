"""source_digest: same content, same digest; any deployable change, new digest."""

import os

import pytest
from ansible.errors import AnsibleLookupError
from ansible.plugins.loader import lookup_loader

from ansible_collections.deployment.django.plugins.module_utils.source_tree import (
    is_excluded,
    tree_digest,
)


def lookup():
    return lookup_loader.get("deployment.django.source_digest")


EXCLUDE = [".git", "**/__pycache__", "**/*.pyc", "media"]


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
        (".git/HEAD", True),
        # A pattern without **/ applies at the top only.
        ("app/.git/config", False),
        ("media", True),
        ("media/upload.png", True),
        ("app/fixtures/media/photo.png", False),
        ("mediafiles/x", False),
        # **/ matches at any depth.
        ("views.pyc", True),
        ("app/views.pyc", True),
        ("app/__pycache__/views.cpython-311.pyc", True),
        ("app/views.py", False),
    ],
)
def test_is_excluded(path, expected):
    assert is_excluded(path, EXCLUDE) is expected


@pytest.mark.parametrize(
    "pattern,path,expected",
    [
        ("/media", "media/a.png", True),
        ("/media", "pkg/media/a.png", False),
        ("*.sqlite3", "db.sqlite3", True),
        ("*.sqlite3", "data/db.sqlite3", False),  # * never crosses a /
        ("**/*.sqlite3", "data/db.sqlite3", True),
        ("pkg/media", "pkg/media/a.png", True),
        ("pkg/media", "other/pkg/media/a.png", False),
        ("**/pkg/media", "other/pkg/media/a.png", True),
        ("pkg/*/cache", "pkg/one/cache/x", True),
        ("pkg/*/cache", "pkg/one/two/cache/x", False),
        ("node_modules/", "node_modules/left-pad/index.js", True),
    ],
)
def test_pattern_syntax(pattern, path, expected):
    assert is_excluded(path, [pattern]) is expected


@pytest.mark.parametrize("pattern", ["", "/", "../secrets", "app/../../x", "**", "**/"])
def test_patterns_that_cannot_mean_a_path_are_refused(project, pattern):
    with pytest.raises(AnsibleLookupError, match="exclude patterns must name paths inside the source"):
        lookup().run([str(project)], variables={}, exclude=[pattern])


def test_a_nested_folder_named_like_a_top_level_exclude_ships(project):
    (project / "app" / "fixtures" / "media").mkdir(parents=True)
    (project / "app" / "fixtures" / "media" / "photo.png").write_bytes(b"\x89PNG")
    files = lookup_loader.get("deployment.django.source_files").run([str(project)], variables={}, exclude=EXCLUDE)
    assert "app/fixtures/media/photo.png" in files
    assert "app/fixtures/media" in files
    # And the fingerprint sees it: changing it asks for a release.
    before = tree_digest(str(project), EXCLUDE)
    (project / "app" / "fixtures" / "media" / "photo.png").write_bytes(b"\x89PNG2")
    assert tree_digest(str(project), EXCLUDE) != before


def test_source_files_lists_what_the_digest_fingerprints(project, tmp_path):
    (project / "media").mkdir()
    (project / "media" / "upload.png").write_bytes(b"\x89PNG")
    (project / "empty").mkdir()
    (project / "link").symlink_to(tmp_path)
    files = lookup_loader.get("deployment.django.source_files").run([str(project)], variables={}, exclude=EXCLUDE)
    assert files == ["app", "empty", "link", "manage.py", "app/views.py"]


def test_lookup_names_a_missing_path(tmp_path):
    with pytest.raises(AnsibleLookupError, match="does not exist on the controller"):
        lookup().run([str(tmp_path / "missing")], variables={})


def test_lookup_returns_one_digest_per_term(project):
    result = lookup().run([str(project)], variables={}, exclude=EXCLUDE)
    assert result == [tree_digest(str(project), EXCLUDE)]


def test_source_files_refuses_what_source_digest_refuses(project):
    files = lookup_loader.get("deployment.django.source_files")
    with pytest.raises(AnsibleLookupError, match="source_files: exclude patterns must name paths inside the source"):
        files.run([str(project)], variables={}, exclude=["../up"])
    with pytest.raises(AnsibleLookupError, match="source_files: .* is not a directory on the controller"):
        files.run([str(project / "manage.py")], variables={})


def test_source_pack_ships_exactly_what_source_files_lists(project, tmp_path):
    import os
    import shutil
    import tarfile

    (project / "media").mkdir()
    (project / "media" / "upload.png").write_bytes(b"\x89PNG")
    (project / "empty").mkdir()
    (project / "link").symlink_to(tmp_path)
    (project / "manage.py").chmod(0o755)
    listed = lookup_loader.get("deployment.django.source_files").run([str(project)], variables={}, exclude=EXCLUDE)
    packed = lookup_loader.get("deployment.django.source_pack").run([str(project)], variables={}, exclude=EXCLUDE)
    assert len(packed) == 1 and packed[0].endswith("/release.tar.gz")
    try:
        with tarfile.open(packed[0]) as archive:
            members = {member.name: member for member in archive.getmembers()}
            assert sorted(members) == sorted(listed)
            assert members["link"].issym() and members["link"].linkname == str(tmp_path)
            assert members["empty"].isdir()
            assert members["manage.py"].mode & 0o111 == 0o111
            assert members["app/views.py"].mode & 0o111 == 0
            assert archive.extractfile("app/views.py").read() == b"print('v1')\n"
        # A folder of its own, private to the controller's user.
        assert os.stat(os.path.dirname(packed[0])).st_mode & 0o077 == 0
    finally:
        shutil.rmtree(os.path.dirname(packed[0]))


def test_source_pack_refuses_what_source_files_refuses(project):
    pack = lookup_loader.get("deployment.django.source_pack")
    with pytest.raises(AnsibleLookupError, match="source_pack: exclude patterns must name paths inside the source"):
        pack.run([str(project)], variables={}, exclude=["../up"])
    with pytest.raises(AnsibleLookupError, match="source_pack: .* is not a directory on the controller"):
        pack.run([str(project / "manage.py")], variables={})


def test_source_pack_returns_a_small_pack_inline_and_leaves_no_file(project, tmp_path, monkeypatch):
    import base64
    import io
    import tarfile
    import tempfile

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    pack = lookup_loader.get("deployment.django.source_pack")
    [small] = pack.run([str(project)], variables={}, exclude=EXCLUDE, inline_max=1024 * 1024)
    assert small["path"] == "" and os.listdir(str(scratch)) == []
    with tarfile.open(fileobj=io.BytesIO(base64.b64decode(small["content"]))) as archive:
        assert sorted(archive.getnames()) == ["app", "app/views.py", "manage.py"]
    # Larger than the limit (0: none inline): a file, as without the option.
    [large] = pack.run([str(project)], variables={}, exclude=EXCLUDE, inline_max=0)
    assert large["content"] == "" and large["path"].endswith("/release.tar.gz") and os.path.isfile(large["path"])
    assert os.path.dirname(os.path.dirname(large["path"])) == str(scratch)
