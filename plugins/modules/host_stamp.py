#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: deployment.django contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: host_stamp
short_description: Tell in one call whether a role's last run still describes the host
version_added: 0.2.0
description:
  - A set-up role (nginx, gunicorn's units, the app's account) that ran to
    the end writes a stamp (O(state=write)), the digest of its inputs and
    what it left on the host, observed right then (each listed file's
    kind, content digest, link target, owner, group and mode; each listed
    service's active and enabled state; each listed package's installed
    version; each listed account).
  - The next run asks first (O(state=check)). The stamp is current when
    the inputs' digest is the same and the host still shows everything it
    recorded; then the role has nothing to do and skips its tasks, which
    saves the dozens of checks a run that changes nothing would make.
  - Anything that differs (a file edited or removed by hand, a stopped
    service, a removed package, another input) makes the stamp stale, the
    role runs in full and puts the host back, and the differences are
    returned so a run can say why.
  - Only what a role lists is observed, so a role lists everything it manages.
options:
  path:
    description:
      - The stamp file (JSON); its folder is created, root's alone, when missing.
      - With O(state=survey), the folder of the stamps.
    type: path
    required: true
  state:
    description:
      - V(check) compares the stamp with the host and changes nothing.
      - V(survey) reads every stamp in the folder O(path) and observes what
        each recorded, in one call, and changes nothing; the answer for one
        role's stamp is then told on the controller
        (C(deployment.django.stamp_answer)), the same as V(check) would give
        at that moment.
      - V(write) records the host as it is now, with O(digest).
      - V(absent) removes the stamp, so that the next run is a full one.
    type: str
    choices: [check, write, absent, survey]
    default: check
  digest:
    description: The digest of the role's inputs (variables, its own files).
    type: str
    default: ''
  files:
    description: Paths whose state the role manages (a path it removes is recorded as absent).
    type: list
    elements: path
    default: []
  present:
    description:
      - Paths the role creates but others may change (a switch another
        playbook turns), of which only the kind is recorded.
    type: list
    elements: path
    default: []
  services:
    description: systemd units whose active and enabled states the role manages.
    type: list
    elements: str
    default: []
  packages:
    description: Debian packages the role installs.
    type: list
    elements: str
    default: []
  users:
    description: Accounts the role creates.
    type: list
    elements: str
    default: []
  groups:
    description: Groups the role creates.
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    description: V(check) only reads; V(write) and V(absent) report what they would change.
    support: full
  diff_mode:
    description: Shows no diff.
    support: none
author:
  - deployment.django contributors (@deployment-django)
"""

EXAMPLES = r"""
- name: Ask whether nginx is as the last run left it
  deployment.django.host_stamp:
    path: /var/lib/deployment-django/stamps/notes-nginx_static.json
    digest: "{{ inputs | to_json | hash('sha256') }}"
    files: [/etc/nginx/sites-available/notes.conf, /etc/nginx/sites-enabled/default]
    services: [nginx]
    packages: [nginx]
  register: stamp

- name: Record the host as this run left it
  deployment.django.host_stamp:
    path: /var/lib/deployment-django/stamps/notes-nginx_static.json
    state: write
    digest: "{{ inputs | to_json | hash('sha256') }}"
    files: [/etc/nginx/sites-available/notes.conf, /etc/nginx/sites-enabled/default]
    services: [nginx]
    packages: [nginx]
"""

RETURN = r"""
current:
  description: With O(state=check), whether the stamp still describes the host and the inputs.
  returned: unless state is survey
  type: bool
differences:
  description: What differs, one line each (empty when current).
  returned: unless state is survey
  type: list
  elements: str
stamps:
  description:
    - With O(state=survey), each stamp of the folder by its path, with its
      recorded C(digest), the names it C(listed) (by section) and the
      C(differences) the host shows now from what it recorded.
  returned: when state is survey
  type: dict
"""

import grp
import json
import os
import pwd
import stat

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.deployment.django.plugins.module_utils.host_stamps import SECTIONS, item
from ansible_collections.deployment.django.plugins.module_utils.source_tree import file_sha256

DPKG_STATUS = "/var/lib/dpkg/status"


def observe_file(path):
    """What a path is: kind, owner, group, mode, and content digest or link target."""
    try:
        st = os.lstat(path)
    except OSError:
        return {"kind": "absent"}
    seen = {"owner": st.st_uid, "group": st.st_gid, "mode": "%04o" % stat.S_IMODE(st.st_mode)}
    if stat.S_ISLNK(st.st_mode):
        seen.update(kind="link", target=os.readlink(path))
        del seen["mode"]
    elif stat.S_ISDIR(st.st_mode):
        seen["kind"] = "directory"
    elif stat.S_ISREG(st.st_mode):
        seen.update(kind="file", sha256=file_sha256(path))
    else:
        seen["kind"] = "other"
    return seen


def installed_packages(names, status_text):
    """Installed version of each named package in a dpkg status file's text (None when not installed)."""
    wanted = set(names)
    found = dict((name, None) for name in names)
    for paragraph in status_text.split("\n\n"):
        fields = {}
        for line in paragraph.splitlines():
            if line and not line[0].isspace() and ":" in line:
                key, value = line.split(":", 1)
                fields[key] = value.strip()
        name = fields.get("Package")
        if name in wanted and fields.get("Status", "").endswith(" installed"):
            found[name] = fields.get("Version")
    return found


def observe_account(name, database):
    try:
        entry = database(name)
    except KeyError:
        return None
    if database is pwd.getpwnam:
        return [entry.pw_uid, entry.pw_gid, entry.pw_dir, entry.pw_shell]
    return [entry.gr_gid]


def observe(module, params):
    """The host as the stamp records it, for the items the role listed."""
    seen = {
        "files": dict((path, observe_file(path)) for path in params["files"]),
        "present": dict((path, observe_file(path)["kind"]) for path in params["present"]),
        "users": dict((name, observe_account(name, pwd.getpwnam)) for name in params["users"]),
        "groups": dict((name, observe_account(name, grp.getgrnam)) for name in params["groups"]),
        "services": {},
        "packages": {},
    }
    if params["packages"]:
        try:
            with open(DPKG_STATUS) as handle:
                status_text = handle.read()
        except OSError:
            status_text = ""
        seen["packages"] = installed_packages(params["packages"], status_text)
    units = params["services"]
    if units:
        systemctl = module.get_bin_path("systemctl", required=True)
        # One call per question for every unit; each unit's answer is a line.
        active = module.run_command([systemctl, "is-active"] + units)[1].splitlines()
        enabled = module.run_command([systemctl, "is-enabled"] + units)[1].splitlines()
        for index, unit in enumerate(units):
            seen["services"][unit] = {
                "active": active[index] if index < len(active) else "unknown",
                "enabled": enabled[index] if index < len(enabled) else "unknown",
            }
    return seen


def recordable(section, state):
    """What a stamp keeps of an item. A service's active state is left out:
    it may be passing (activating, reloading) right after the role restarted
    or reloaded it, and a service that is not running never lets a stamp
    hold anyway (below)."""
    if section == "services" and isinstance(state, dict):
        return dict((key, value) for key, value in state.items() if key != "active")
    return state


def differences(recorded, digest, seen):
    """What differs between a stamp and the inputs and host of now; empty when the stamp holds."""
    if not recorded:
        return ["no record of an earlier run"]
    found = []
    for path, kind in sorted(seen.get("present", {}).items()):
        if kind == "absent":
            found.append("present %s is missing" % path)
    if recorded.get("digest") != digest:
        found.append("the role's inputs changed")
    was = recorded.get("host", {})
    for section in SECTIONS:
        before = was.get(section, {})
        for name, now in sorted(seen.get(section, {}).items()):
            if name not in before:
                found.append("%s %s was not recorded" % (item(section), name))
            elif recordable(section, before[name]) != recordable(section, now):
                found.append("%s %s changed" % (item(section), name))
    # Everything recorded must have been asked about again.
    for section, before in sorted(was.items()):
        for name in sorted(set(before) - set(seen.get(section, {}))):
            found.append("%s %s is no longer listed" % (item(section), name))
    # A stamp of a host whose services were not running describes a broken host.
    for unit, state in sorted(seen.get("services", {}).items()):
        if state["active"] != "active":
            found.append("service %s is %s" % (unit, state["active"]))
    for name, version in sorted(seen.get("packages", {}).items()):
        if version is None:
            found.append("package %s is not installed" % name)
    for section in ("users", "groups"):
        for name, entry in sorted(seen.get(section, {}).items()):
            if entry is None:
                found.append("%s %s does not exist" % (item(section), name))
    return found


def read_stamp(path):
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def survey(module, folder):
    """Every stamp in FOLDER: its digest, what it lists and what differs on
    the host now from what it recorded (the inputs are the caller's to
    compare)."""
    stamps = {}
    names = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
    for name in names:
        if not name.endswith(".json") or name.startswith("."):
            continue
        path = os.path.join(folder, name)
        recorded = read_stamp(path)
        if not isinstance(recorded, dict):
            continue
        was = recorded.get("host", {})
        listed = dict((section, sorted(was.get(section, {}))) for section in SECTIONS)
        seen = observe(module, listed)
        stamps[path] = {
            "digest": recorded.get("digest", ""),
            "listed": listed,
            "differences": differences(recorded, recorded.get("digest", ""), seen),
        }
    return {"changed": False, "stamps": stamps}


def run(module, params):
    path = params["path"]
    if params["state"] == "survey":
        return survey(module, path)
    if params["state"] == "absent":
        exists = os.path.lexists(path)
        if exists and not module.check_mode:
            os.unlink(path)
        return {"changed": exists, "current": False, "differences": []}
    seen = observe(module, params)
    recorded = read_stamp(path)
    found = differences(recorded, params["digest"], seen)
    if params["state"] == "check":
        return {"changed": False, "current": not found, "differences": found}
    stamp = {"digest": params["digest"],
             "host": dict((section, dict((name, recordable(section, state)) for name, state in items.items()))
                          for section, items in seen.items())}
    changed = recorded != stamp
    if changed and not module.check_mode:
        folder = os.path.dirname(path) or "."
        if not os.path.isdir(folder):
            os.makedirs(folder, 0o700)
        temporary = os.path.join(folder, ".%s.new" % os.path.basename(path))
        with open(temporary, "w") as handle:
            json.dump(stamp, handle, sort_keys=True)
        os.chmod(temporary, 0o600)
        module.atomic_move(temporary, path)
    return {"changed": changed, "current": True, "differences": []}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            state=dict(type="str", choices=["check", "write", "absent", "survey"], default="check"),
            digest=dict(type="str", default=""),
            files=dict(type="list", elements="path", default=[]),
            present=dict(type="list", elements="path", default=[]),
            services=dict(type="list", elements="str", default=[]),
            packages=dict(type="list", elements="str", default=[]),
            users=dict(type="list", elements="str", default=[]),
            groups=dict(type="list", elements="str", default=[]),
        ),
        supports_check_mode=True,
    )
    module.exit_json(**run(module, module.params))


if __name__ == "__main__":
    main()
