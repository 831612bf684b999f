"""host_stamp: a stamp holds only while the inputs and every recorded item are as they were."""

import os

import pytest

from ansible_collections.deployment.django.plugins.module_utils import host_stamps
from ansible_collections.deployment.django.plugins.modules import host_stamp

STATUS = """Package: nginx
Status: install ok installed
Version: 1.22.1-9

Package: postgresql
Status: deinstall ok config-files
Version: 15+248

Package: acl
Status: install ok installed
Description: access control list
 continued: line
Version: 2.3.1-3
"""


class FakeModule:
    check_mode = False

    def get_bin_path(self, name, required=False):
        return "/bin/" + name

    def run_command(self, argv):
        raise AssertionError("no services asked in these tests")

    def atomic_move(self, src, dest):
        os.rename(src, dest)


def params(tmp_path, **changes):
    base = dict(path=str(tmp_path / "stamps" / "app-role.json"), state="check", digest="d1",
                files=[], present=[], services=[], packages=[], users=[], groups=[])
    base.update(changes)
    return base


def test_installed_packages_reads_only_installed_ones():
    found = host_stamp.installed_packages(["nginx", "postgresql", "acl", "missing"], STATUS)
    assert found == {"nginx": "1.22.1-9", "postgresql": None, "acl": "2.3.1-3", "missing": None}


def test_observe_file_tells_files_links_folders_and_absence(tmp_path):
    (tmp_path / "f").write_text("x")
    os.chmod(str(tmp_path / "f"), 0o640)
    os.symlink("f", str(tmp_path / "l"))
    assert host_stamp.observe_file(str(tmp_path / "f"))["mode"] == "0640"
    assert host_stamp.observe_file(str(tmp_path / "f"))["kind"] == "file"
    assert host_stamp.observe_file(str(tmp_path / "l"))["target"] == "f"
    assert host_stamp.observe_file(str(tmp_path))["kind"] == "directory"
    assert host_stamp.observe_file(str(tmp_path / "none")) == {"kind": "absent"}


def test_without_a_stamp_a_run_is_a_full_one(tmp_path):
    result = host_stamp.run(FakeModule(), params(tmp_path))
    assert result["current"] is False
    assert result["differences"] == ["no record of an earlier run"]


def test_a_written_stamp_holds_until_a_file_or_the_inputs_change(tmp_path):
    managed = tmp_path / "site.conf"
    managed.write_text("server {}\n")
    gone = str(tmp_path / "default")
    files = [str(managed), gone]
    written = host_stamp.run(FakeModule(), params(tmp_path, state="write", files=files))
    assert written["changed"] is True
    assert oct(os.stat(params(tmp_path)["path"]).st_mode & 0o777) == "0o600"
    assert host_stamp.run(FakeModule(), params(tmp_path, files=files))["current"] is True
    # Written again unchanged: nothing to do.
    assert host_stamp.run(FakeModule(), params(tmp_path, state="write", files=files))["changed"] is False

    assert host_stamp.run(FakeModule(), params(tmp_path, files=files, digest="d2"))["differences"] == [
        "the role's inputs changed"]
    managed.write_text("server { listen 81; }\n")
    assert host_stamp.run(FakeModule(), params(tmp_path, files=files))["differences"] == [
        "file %s changed" % managed]
    managed.write_text("server {}\n")
    os.chmod(str(managed), 0o666)
    assert host_stamp.run(FakeModule(), params(tmp_path, files=files))["current"] is False
    os.chmod(str(managed), 0o644)
    open(gone, "w").close()
    assert host_stamp.run(FakeModule(), params(tmp_path, files=files))["differences"] == ["file %s changed" % gone]


def test_a_path_listed_since_or_no_longer_makes_the_stamp_stale(tmp_path):
    (tmp_path / "a").write_text("a")
    host_stamp.run(FakeModule(), params(tmp_path, state="write", files=[str(tmp_path / "a")]))
    more = host_stamp.run(FakeModule(), params(tmp_path, files=[str(tmp_path / "a"), str(tmp_path / "b")]))
    assert more["differences"] == ["file %s was not recorded" % (tmp_path / "b")]
    fewer = host_stamp.run(FakeModule(), params(tmp_path, files=[]))
    assert fewer["differences"] == ["file %s is no longer listed" % (tmp_path / "a")]


def test_a_present_path_may_change_but_not_go(tmp_path):
    switch = tmp_path / "state.conf"
    switch.write_text("off")
    host_stamp.run(FakeModule(), params(tmp_path, state="write", present=[str(switch)]))
    switch.write_text("on")
    assert host_stamp.run(FakeModule(), params(tmp_path, present=[str(switch)]))["current"] is True
    switch.unlink()
    assert "present %s is missing" % switch in host_stamp.run(FakeModule(), params(tmp_path, present=[str(switch)]))[
        "differences"]


@pytest.mark.parametrize("seen, expected", [
    ({"services": {"nginx": {"active": "failed", "enabled": "enabled"}}}, "service nginx is failed"),
    ({"packages": {"nginx": None}}, "package nginx is not installed"),
    ({"users": {"notes": None}}, "user notes does not exist"),
])
def test_a_broken_host_never_holds_a_stamp(seen, expected):
    recorded = {"digest": "d", "host": seen}
    assert expected in host_stamp.differences(recorded, "d", seen)


def test_a_missing_account_is_seen(tmp_path):
    result = host_stamp.run(FakeModule(), params(tmp_path, state="check", users=["no-such-user-here"]))
    assert result["current"] is False
    seen = host_stamp.observe(FakeModule(), params(tmp_path, users=["root"], groups=["root"]))
    assert seen["users"]["root"][0] == 0 and seen["groups"]["root"] == [0]


def test_check_mode_writes_nothing_and_absent_removes(tmp_path):
    module = FakeModule()
    module.check_mode = True
    assert host_stamp.run(module, params(tmp_path, state="write"))["changed"] is True
    assert not os.path.exists(params(tmp_path)["path"])
    module.check_mode = False
    host_stamp.run(module, params(tmp_path, state="write"))
    assert host_stamp.run(module, params(tmp_path, state="absent"))["changed"] is True
    assert not os.path.exists(params(tmp_path)["path"])


def test_a_service_caught_reloading_when_recorded_still_holds_once_it_runs(tmp_path):
    # Right after a restart or reload a unit may answer "activating" or
    # "reloading": the stamp keeps its enabled state, not that moment.
    class Systemd(FakeModule):
        active = "reloading"

        def run_command(self, argv):
            return 0, (self.active if argv[1] == "is-active" else "enabled") + "\n", ""

    module = Systemd()
    host_stamp.run(module, params(tmp_path, state="write", services=["postgresql@15-main"]))
    module.active = "active"
    assert host_stamp.run(module, params(tmp_path, services=["postgresql@15-main"]))["current"] is True
    module.active = "failed"
    assert host_stamp.run(module, params(tmp_path, services=["postgresql@15-main"]))["differences"] == [
        "service postgresql@15-main is failed"]


def surveyed(tmp_path, **changes):
    """What a role would be told from a survey of the stamps' folder."""
    spec = params(tmp_path, **changes)
    found = host_stamp.run(FakeModule(), dict(params(tmp_path), path=str(tmp_path / "stamps"), state="survey"))
    assert found["changed"] is False
    return host_stamps.answer(found, spec)


def checked(tmp_path, **changes):
    return host_stamp.run(FakeModule(), params(tmp_path, **changes))


def test_the_survey_tells_a_role_what_its_own_check_would(tmp_path):
    managed, other, switch = tmp_path / "site.conf", tmp_path / "other.conf", tmp_path / "switch"
    for path in (managed, other, switch):
        path.write_text("x\n")
    listing = dict(files=[str(managed)], present=[str(switch)], users=["root"], groups=["root"])
    # No stamp yet: a full run.
    assert surveyed(tmp_path, **listing) == dict(checked(tmp_path, **listing), surveyed=True)
    host_stamp.run(FakeModule(), params(tmp_path, state="write", **listing))
    # Another role's stamp in the same folder is left to that role.
    host_stamp.run(FakeModule(), params(tmp_path, path=str(tmp_path / "stamps" / "app-other.json"), state="write",
                                        files=[str(other)]))
    cases = [
        dict(listing),  # as recorded
        dict(listing, digest="d2"),  # other inputs
        dict(listing, files=[str(managed), str(other)]),  # listed since
        dict(listing, files=[]),  # no longer listed
        dict(listing, users=["root", "no-such-user-here"]),
    ]
    for case in cases:
        told, asked = surveyed(tmp_path, **case), checked(tmp_path, **case)
        # The same decision, for the same reasons; an item listed since the
        # stamp was not observed by the survey (it was not recorded), so
        # only "was not recorded" is said of it.
        assert told["current"] == asked["current"], case
        assert set(told["differences"]) <= set(asked["differences"]) and bool(told["differences"]) == bool(
            asked["differences"]), case
    # The host changes after the stamp: edited, removed.
    managed.write_text("edited\n")
    switch.unlink()
    told, asked = surveyed(tmp_path, **listing), checked(tmp_path, **listing)
    assert told["current"] is False
    assert sorted(told["differences"]) == sorted(asked["differences"]) == sorted(
        ["file %s changed" % managed, "present %s is missing" % switch, "present %s changed" % switch])


def test_without_a_survey_a_role_asks_the_host():
    spec = {"path": "/var/lib/deployment-django/stamps/app-role.json", "digest": "d"}
    assert host_stamps.answer(None, spec) is None
    # A survey that was skipped, or set aside after packages were installed.
    assert host_stamps.answer({"skipped": True}, spec) is None
    assert host_stamps.answer({}, spec) is None
    assert host_stamps.answer({"stamps": {}}, spec) == dict(
        changed=False, current=False, differences=["no record of an earlier run"], surveyed=True)
