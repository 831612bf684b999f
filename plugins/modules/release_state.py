#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: deployment.django contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: release_state
short_description: Read a host's releases and decide what a deploy, a cleanup or a rollback does
version_added: 0.1.0
description:
  - The bookkeeping of a C(releases/), C(current), C(shared/) layout below
    O(home), in one place. It knows which release is live and what it was
    built from, which releases served (the state file's history), and what
    follows.
  - V(inspect) reads the live release, the state file, the environment file's
    checksum and whether the service runs, and decides whether a new release
    is built, its name, and whether the idle gunicorn instance must start even without one.
  - V(prune) removes the releases and virtualenvs beyond the newest
    O(keep) that served, and every release that never served, and makes
    C(static-kept/) hold the hashed static files of the releases kept.
  - V(static) adds the hashed static files of O(release), about to serve,
    to C(static-kept/) (those of the releases kept stay), before any host
    switches, so a page rendered by any kept release finds its assets on
    every host. Hashed names only (from C(staticfiles.json)), never an
    unhashed file that could stand in for the live one's.
  - V(rollback) picks the release to serve again, O(rollback_to) or else the
    newest one that served before the live one, and never a failed one.
  - V(served) records that O(release) serves, in the state file that the
    other views read (history, environment file checksum, virtualenvs).
  - V(venv) finds where O(source)'s dependencies come from (C(uv.lock),
    C(poetry.lock) or O(requirements_file), as O(dependencies) says), names
    the virtualenv for those files, O(packages) and O(python) below
    C(venvs/), and says whether a finished one is there.
  - V(failed) marks O(release) failed for inspection (C(.failed), with
    O(failure)), so it is never a rollback target nor kept.
  - The decisions are plain functions in C(module_utils/release_plan.py), with
    unit tests.
options:
  home:
    description: The app's home, holding C(releases/), C(current), C(venvs/) and C(.deploy/state.json).
    type: path
    required: true
  view:
    description: What to do.
    type: str
    choices: [inspect, prune, rollback, served, failed, static, venv]
    default: inspect
  shape:
    description:
      - V(inspect). Everything that shapes a release (source digest, settings,
        requirements, commands...); its digest is the release's fingerprint.
    type: dict
    default: {}
  release_id:
    description: V(inspect). The new release's name; empty for O(timestamp) and the fingerprint.
    type: str
    default: ""
  timestamp:
    description: V(inspect). UTC time that starts the new release's name.
    type: str
    default: ""
  force:
    description: V(inspect). Build a new release even when the live one has the same fingerprint.
    type: bool
    default: false
  env_file:
    description:
      - V(inspect) and V(served). The app's environment file; its checksum, with the units', decides restarts.
        Empty for none.
    type: path
    default: ""
  service:
    description:
      - V(inspect) and V(served). The base name of the app's template units C(<service>@.service) and
        C(<service>@.socket), whose instances C(blue) and C(green) take turns serving releases.
      - The units' files count with O(env_file) in the checksum that decides restarts.
    type: str
    default: ""
  socket:
    description:
      - V(inspect) and V(rollback). The link to the live instance's socket (C(blue.sock) or C(green.sock) beside
        it); it names the live instance and so the one a release starts on.
    type: path
    default: ""
  release:
    description:
      - V(prune). The release now live, kept whatever its age.
      - V(static). The release about to serve.
      - V(served) and V(failed). The release to record.
    type: str
    default: ""
  setup:
    description: V(served). What this deploy set up on the host (kept for the next one).
    type: str
    default: ""
  venv:
    description: V(served). The release's virtualenv; empty keeps what the state file says.
    type: path
    default: ""
  failure:
    description: V(failed). What is written into the release's C(.failed) (host, stage, cause).
    type: dict
    default: {}
  source:
    description: V(venv). The release's folder on the host, whose top holds the dependency files.
    type: path
    default: ""
  requirements_file:
    description: V(venv). The requirements file, relative to O(source); empty for none.
    type: str
    default: requirements.txt
  dependencies:
    description:
      - V(venv). Where the dependencies come from. V(auto) takes C(uv.lock), else C(poetry.lock) (each with
        C(pyproject.toml)), else O(requirements_file).
    type: str
    choices: [auto, uv, poetry, requirements]
    default: auto
  installer:
    description: V(venv). What builds the virtualenv; a C(uv.lock) is refused to V(pip).
    type: str
    choices: [uv, pip]
    default: uv
  packages:
    description: V(venv). Pinned packages added to every virtualenv.
    type: list
    elements: str
    default: []
  python:
    description: V(venv). The interpreter virtualenvs are made from.
    type: path
    default: /usr/bin/python3
  keep:
    description: V(prune) and V(static). How many releases that served are kept.
    type: int
    default: 5
  rollback_to:
    description: V(rollback). The release to serve again; empty for the one before the live one.
    type: str
    default: ""
attributes:
  check_mode:
    description: V(inspect) and V(rollback) only read; V(prune), V(served) and V(failed) report what they would change.
    support: full
  diff_mode:
    description: Shows no diff.
    support: none
author:
  - deployment.django contributors (@deployment-django)
"""

EXAMPLES = r"""
- name: Decide whether this deploy builds a release
  deployment.django.release_state:
    home: /srv/blog
    shape: {source: "{{ source_digest }}", settings: blog.settings.production}
    timestamp: "{{ now(utc=true, fmt='%Y%m%dT%H%M%SZ') }}"
    env_file: /etc/blog/blog.env
    service: gunicorn-blog
    socket: /run/gunicorn-blog/gunicorn.sock
  register: release

- name: Keep the five newest releases that served
  deployment.django.release_state:
    home: /srv/blog
    view: prune
    release: "{{ release.id }}"
    keep: 5
"""

RETURN = r"""
live:
  description: The live release's record (C(.release.json)); empty when none serves.
  returned: always
  type: dict
live_path:
  description: The live release's folder; empty when none serves.
  returned: always
  type: str
history:
  description: The releases that served, oldest first.
  returned: always
  type: list
  elements: str
venvs:
  description: Each release's virtualenv, as the state file records them.
  returned: always
  type: dict
setup:
  description: What the last deploy set up on the host (a digest the role compares).
  returned: always
  type: str
fingerprint:
  description: V(inspect). The digest of O(shape).
  returned: when view is inspect
  type: str
env_checksum:
  description: V(inspect). SHA-256 of O(env_file) and of the units of O(service); empty when there are none.
  returned: when view is inspect
  type: str
build:
  description: V(inspect). Whether a new release is built.
  returned: when view is inspect
  type: bool
restart:
  description:
    - V(inspect). Whether the other instance must start even without a new release (the environment or the units
      changed, or the live instance does not run).
  returned: when view is inspect
  type: bool
service_active:
  description: V(inspect). Whether the live instance runs.
  returned: when view is inspect
  type: bool
instance:
  description: V(inspect) and V(rollback). The live instance, C(blue) or C(green), as O(socket) names it; empty when there is none.
  returned: when view is inspect or rollback
  type: str
next_instance:
  description: V(inspect) and V(rollback). The idle instance, which the release (or the switch back) starts on.
  returned: when view is inspect or rollback
  type: str
id:
  description: V(inspect). The new release's name when one is built, else the live one's.
  returned: when view is inspect
  type: str
path:
  description: V(inspect). That release's folder.
  returned: when view is inspect
  type: str
kept:
  description: V(prune) and V(static). The releases kept.
  returned: when view is prune or static
  type: list
  elements: str
static_changes:
  description: V(prune) and V(static). The files added to or removed from C(static-kept/), relative to it.
  returned: when view is prune or static
  type: list
  elements: str
removed:
  description: V(prune). The releases and virtualenvs removed (or that would be, in check mode).
  returned: when view is prune
  type: list
  elements: str
target:
  description: V(rollback). The release to serve again.
  returned: when view is rollback
  type: str
target_record:
  description: V(rollback). The target's record (C(.release.json)), its virtualenv among it.
  returned: when view is rollback
  type: dict
candidates:
  description: V(rollback). Every release that could be served again.
  returned: when view is rollback
  type: list
  elements: str
marked:
  description: V(failed). Whether the release was marked (one that served never is).
  returned: when view is failed
  type: bool
venv:
  description: V(venv). The virtualenv's folder.
  returned: when view is venv
  type: str
venv_ready:
  description: V(venv). Whether a finished virtualenv is there (C(.complete) written after its last install).
  returned: when view is venv
  type: bool
dependencies:
  description: V(venv). Where the dependencies come from, V(uv), V(poetry) or V(requirements).
  returned: when view is venv
  type: str
"""

import hashlib
import json
import os
import shutil

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.deployment.django.plugins.module_utils import release_plan
from ansible_collections.deployment.django.plugins.module_utils.source_tree import file_sha256

UNIT_DIR = "/etc/systemd/system"
# The hashed static files of the releases kept, for pages they rendered.
STATIC_KEPT = "static-kept"

RECORD = ".release.json"
FAILED = ".failed"


def _read_json(path):
    try:
        with open(path, "rb") as handle:
            return json.loads(handle.read().decode("utf-8"))
    except (IOError, OSError):
        return {}


def dependencies_checksum(paths):
    """What names a virtualenv: the one requirements file's SHA-256 (as
    before lockfiles, so existing virtualenvs are found again), or a digest of
    every file's name and SHA-256; empty for none."""
    if not paths:
        return ""
    if len(paths) == 1:
        return file_sha256(paths[0])
    digest = hashlib.sha256()
    for path in paths:
        digest.update(("%s %s\n" % (os.path.basename(path), file_sha256(path))).encode())
    return digest.hexdigest()


class Host(object):
    """What is on the host below ``home``."""

    def __init__(self, home):
        self.home = home.rstrip("/")
        self.releases_dir = os.path.join(self.home, "releases")
        self.venvs_dir = os.path.join(self.home, "venvs")
        self.current = os.path.join(self.home, "current")
        self.state = _read_json(os.path.join(self.home, ".deploy", "state.json"))

    def live_path(self):
        if not os.path.islink(self.current):
            return ""
        target = os.readlink(self.current)
        return target if os.path.isabs(target) else os.path.normpath(os.path.join(self.home, target))

    def live(self):
        path = self.live_path()
        return _read_json(os.path.join(path, RECORD)) if path else {}

    def releases(self):
        if not os.path.isdir(self.releases_dir):
            return []
        return sorted(name for name in os.listdir(self.releases_dir) if os.path.isdir(os.path.join(self.releases_dir, name)))

    def failed(self):
        return set(name for name in self.releases() if os.path.exists(os.path.join(self.releases_dir, name, FAILED)))

    def venvs(self):
        if not os.path.isdir(self.venvs_dir):
            return []
        return sorted(os.path.join(self.venvs_dir, name) for name in os.listdir(self.venvs_dir))


def service_active(module, unit):
    rc, out, _err = module.run_command(["systemctl", "show", "--property=ActiveState", "--value", unit])
    return rc == 0 and out.strip() == "active"


def live_instance(socket_link):
    """The instance the socket link points at: "blue" for .../blue.sock."""
    if not socket_link or not os.path.islink(socket_link):
        return ""
    return release_plan.instance_of(os.readlink(socket_link))


def config_checksum(env_file, service):
    """What a running instance read at its start: the environment file and
    its units. A change needs the other instance started."""
    paths = [env_file] if env_file and os.path.isfile(env_file) else []
    if service:
        for suffix in ("@.service", "@.socket"):
            unit = os.path.join(UNIT_DIR, service + suffix)
            if os.path.isfile(unit):
                paths.append(unit)
    if not paths:
        return ""
    if paths == [env_file]:
        return file_sha256(env_file)
    return release_plan.fingerprint([file_sha256(path) for path in paths])


def inspect(module, host):
    params = module.params
    if params["env_file"]:
        if not os.path.isfile(params["env_file"]):
            module.fail_json(
                msg="django_release_env_file %s does not exist on the host: write it first (python_app role, python_app_env) "
                'or set django_release_env_file to "".' % json.dumps(params["env_file"])
            )
    env_checksum = config_checksum(params["env_file"], params["service"])
    live = host.live()
    live_path = host.live_path()
    shape_fingerprint = release_plan.fingerprint(params["shape"])
    instance = live_instance(params["socket"])
    active = bool(params["service"] and instance) and service_active(module, "%s@%s.service" % (params["service"], instance))
    build = release_plan.needs_build(live, shape_fingerprint, params["force"])
    # A host without the web app's units (service "": a worker host) has no
    # instance that must be running.
    restart = release_plan.needs_restart(host.state, live, env_checksum, active or not params["service"])
    if build:
        live_id = os.path.basename(live_path) if live_path else ""
        name = release_plan.release_name(params["release_id"], params["timestamp"], shape_fingerprint, live_id)
        path = os.path.join(host.releases_dir, name)
    else:
        name, path = live.get("id", os.path.basename(live_path)), live_path
    return dict(
        fingerprint=shape_fingerprint,
        env_checksum=env_checksum,
        build=build,
        restart=restart,
        service_active=active,
        instance=instance,
        next_instance=release_plan.next_instance(instance),
        id=name,
        path=path,
        live=live,
        live_path=live_path,
    )


def prune(module, host):
    params = module.params
    served = release_plan.history(host.state)
    kept, removed = release_plan.releases_to_keep(host.releases(), served, params["release"], params["keep"])
    venv_of = dict(host.state.get("venvs", {}))
    gone_venvs = release_plan.venvs_to_remove(host.venvs(), kept, venv_of)
    paths = [os.path.join(host.releases_dir, name) for name in removed] + gone_venvs
    if not module.check_mode:
        for path in paths:
            shutil.rmtree(path, ignore_errors=False)
    static_changes = sync_kept_static(module, host, list(reversed(kept)))
    return dict(changed=bool(paths) or bool(static_changes), kept=kept, removed=paths, static_changes=static_changes)


def static(module, host):
    """Before any host switches: the new release's hashed static files join
    those of the releases kept, so a page either release rendered finds its
    CSS and JavaScript on every host."""
    params = module.params
    kept, _removed = release_plan.releases_to_keep(host.releases(), release_plan.history(host.state), params["release"], params["keep"])
    changes = sync_kept_static(module, host, list(reversed(kept)))
    return dict(changed=bool(changes), kept=kept, static_changes=changes)


def sync_kept_static(module, host, releases):
    """Make <home>/static-kept hold exactly the hashed static files of
    ``releases`` (newest first), hard-linked from their static roots (copied
    across file systems). Returns the relative paths added and removed."""
    manifests, roots = [], {}
    for name in releases:
        root = _read_json(os.path.join(host.releases_dir, name, RECORD)).get("settings", {}).get("static_root", "")
        if not root:
            continue
        roots[name] = root
        manifests.append((name, _read_json(os.path.join(root, "staticfiles.json")).get("paths", {})))
    wanted = release_plan.kept_static_files(manifests)
    folder = os.path.join(host.home, STATIC_KEPT)
    present = set()
    for parent, _dirs, files in os.walk(folder):
        for name in files:
            present.add(os.path.relpath(os.path.join(parent, name), folder))
    added = sorted(path for path in wanted if path not in present and os.path.isfile(os.path.join(roots[wanted[path]], path)))
    removed = sorted(path for path in present if path not in wanted)
    if module.check_mode:
        return added + removed
    for path in added:
        source, target = os.path.join(roots[wanted[path]], path), os.path.join(folder, path)
        _make_dirs(os.path.dirname(target))
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)
            os.chmod(target, 0o644)
    for path in removed:
        os.unlink(os.path.join(folder, path))
    for parent, dirs, files in os.walk(folder, topdown=False):
        if parent != folder and not dirs and not files:
            os.rmdir(parent)
    return added + removed


def _make_dirs(path):
    """Folders readable by the web server, as the releases' are."""
    if not os.path.isdir(path):
        _make_dirs(os.path.dirname(path))
        os.mkdir(path, 0o755)
        os.chmod(path, 0o755)


def rollback(module, host):
    live_path = host.live_path()
    if not live_path:
        module.fail_json(msg="%s is not a release link: nothing to roll back." % host.current)
    target, candidates = release_plan.rollback_target(
        release_plan.history(host.state), host.releases(), host.failed(), os.path.basename(live_path), module.params["rollback_to"]
    )
    record = _read_json(os.path.join(host.releases_dir, target, RECORD))
    instance = live_instance(module.params["socket"])
    return dict(
        target=target,
        target_record=record,
        candidates=candidates,
        live=host.live(),
        live_path=live_path,
        instance=instance,
        next_instance=release_plan.next_instance(instance),
    )


def _write(module, path, content, mode):
    """Write ``content`` to ``path`` atomically, root's alone (or as ``mode``)."""
    folder = os.path.dirname(path)
    temporary = os.path.join(folder, "." + os.path.basename(path) + ".new")
    with open(temporary, "w") as handle:
        handle.write(content)
    os.chmod(temporary, mode)
    module.atomic_move(temporary, path)


def record_served(module, host):
    params = module.params
    env_checksum = config_checksum(params["env_file"], params["service"])
    state = release_plan.served(host.state, params["release"], env_checksum, params["setup"], params["venv"])
    changed = state != host.state
    if changed and not module.check_mode:
        _write(module, os.path.join(host.home, ".deploy", "state.json"), json.dumps(state, indent=4, sort_keys=True) + "\n", 0o600)
    return dict(changed=changed, history=state["history"], venvs=state["venvs"], setup=state["setup"])


def record_failed(module, host):
    """A release that already served (the target of a switch back) is never
    marked; nor the live one, nor one that is not there."""
    name = module.params["release"]
    path = os.path.join(host.releases_dir, name)
    live = os.path.basename(host.live_path())
    if not name or name == live or name in release_plan.history(host.state) or not os.path.isdir(path):
        return dict(changed=False, marked=False)
    if not module.check_mode:
        record = dict(module.params["failure"], id=name)
        _write(module, os.path.join(path, FAILED), json.dumps(record, indent=4, sort_keys=True) + "\n", 0o644)
    return dict(changed=True, marked=True)


def venv(module, host):
    params = module.params
    rc, out, err = module.run_command([params["python"], "-c", "import sys; print(sys.version)"])
    if rc != 0:
        module.fail_json(msg="django_release_python %s does not run: %s" % (json.dumps(params["python"]), err.strip()))
    try:
        kind, files = release_plan.dependency_source(
            os.listdir(params["source"]), params["dependencies"], params["requirements_file"], params["installer"]
        )
    except (OSError, release_plan.PlanError) as error:
        module.fail_json(msg=str(error))
    checksum = dependencies_checksum([os.path.join(params["source"], name) for name in files])
    path = os.path.join(host.venvs_dir, release_plan.venv_name(checksum, params["packages"], out.strip()))
    return dict(venv=path, venv_ready=os.path.exists(os.path.join(path, ".complete")), dependencies=kind)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            home=dict(type="path", required=True),
            view=dict(type="str", choices=["inspect", "prune", "rollback", "served", "failed", "static", "venv"], default="inspect"),
            shape=dict(type="dict", default={}),
            release_id=dict(type="str", default=""),
            timestamp=dict(type="str", default=""),
            force=dict(type="bool", default=False),
            env_file=dict(type="path", default=""),
            service=dict(type="str", default=""),
            socket=dict(type="path", default=""),
            release=dict(type="str", default=""),
            keep=dict(type="int", default=5),
            rollback_to=dict(type="str", default=""),
            setup=dict(type="str", default=""),
            venv=dict(type="path", default=""),
            failure=dict(type="dict", default={}),
            source=dict(type="path", default=""),
            requirements_file=dict(type="str", default="requirements.txt"),
            dependencies=dict(type="str", choices=["auto", "uv", "poetry", "requirements"], default="auto"),
            installer=dict(type="str", choices=["uv", "pip"], default="uv"),
            packages=dict(type="list", elements="str", default=[]),
            python=dict(type="path", default="/usr/bin/python3"),
        ),
        supports_check_mode=True,
    )
    host = Host(module.params["home"])
    result = dict(
        changed=False, history=release_plan.history(host.state), venvs=host.state.get("venvs", {}), setup=host.state.get("setup", "")
    )
    try:
        views = {
            "inspect": inspect,
            "prune": prune,
            "rollback": rollback,
            "served": record_served,
            "failed": record_failed,
            "static": static,
            "venv": venv,
        }
        result.update(views[module.params["view"]](module, host))
    except release_plan.PlanError as error:
        module.fail_json(msg=str(error), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
