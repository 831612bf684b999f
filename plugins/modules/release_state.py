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
    Given O(lock), it first takes the deploy lock (as
    P(deployment.django.deploy_lock#module) does), so that everything it
    reads is read under it and a release needs no call of its own for the
    lock.
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
  - V(prepare) makes the root-owned folders of O(home) (C(releases/),
    C(venvs/)) and an empty folder for O(release), removing what an earlier
    attempt left there; given O(archive), it unpacks the project into it and,
    given O(source) (the release folder) as well, then does what V(venv)
    does, in the same call.
  - V(venv), given O(revision), also writes it into the release's
    C(REVISION); given O(link), links the release's C(.venv) to the
    virtualenv it names (which may still be built); given O(project), says
    whether the release has C(manage.py) there.
  - V(shared) makes each of O(shared) a folder below C(shared/) that
    outlives releases (the app's; O(media_path)'s setgid and readable by
    O(media_group)) and, where asked, replaces the path in the release at
    O(project) by a link to it. Given O(static_from), it then copies the live
    release's collected static files there into O(static_to), unless that
    exists.
  - V(built) writes O(record), what O(release) was built from, into its
    C(.release.json), and with O(static) adds its hashed static files to
    C(static-kept/) as V(static) does. Given O(instance), it then starts the
    release on that idle instance of O(service), as V(start) does.
  - V(start) starts O(release) on the idle gunicorn instance O(instance) of
    O(service). It stops what still runs there and the instance's pending
    retirement, points the instance's link at the release and starts the
    instance.
  - V(switch) points C(current) at the release folder O(release) (when
    given), then the O(socket) link at O(instance)'s socket, each link
    replaced by one rename, so that every new connection reaches one
    instance or the other.
  - V(live) makes the live instance O(instance) the one the host starts at
    boot (its unit enabled, O(old_instance)'s disabled, O(tmpfiles) recreating
    the O(socket) link), and retires O(old_instance) after O(drain) seconds
    (a transient timer, C(<service>-retire-<instance>)), or at once for 0;
    with O(prune), it then prunes as V(prune) does; with O(lock), it gives
    the deploy lock back last, as P(deployment.django.deploy_lock#module)
    does with O(deployment.django.deploy_lock#module:state=absent).
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
    choices: [inspect, prune, rollback, served, failed, static, venv, prepare, shared, built, start, switch, live]
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
      - V(inspect), V(served), V(start), V(built) and V(live). The base name of the app's template units C(<service>@.service) and
        C(<service>@.socket), whose instances C(blue) and C(green) take turns serving releases.
      - The units' files count with O(env_file) in the checksum that decides restarts.
    type: str
    default: ""
  socket:
    description:
      - V(inspect) and V(rollback). The link to the live instance's socket (C(blue.sock) or C(green.sock) beside
        it); it names the live instance and so the one a release starts on.
      - V(live). The link that O(tmpfiles) recreates at boot.
      - V(switch). The link nginx connects to, pointed at O(instance)'s socket beside it; empty leaves it.
    type: path
    default: ""
  check:
    description:
      - V(inspect). A read-only check of what the host runs, as a command line (the release helper that reads the
        settings module each unit would run); its result comes back as RV(check), in the same call. Empty runs none.
      - It runs in check mode too, since it only reads.
      - Given O(setup), it runs only when the state file says the last deploy set up the same (the helper it runs
        is then in place); otherwise RV(check) is not returned and the caller runs it once it has set up.
    type: list
    elements: str
    default: []
  release:
    description:
      - V(prune), and V(live) with O(prune). The release now live, kept whatever its age.
      - V(static). The release about to serve.
      - V(served) and V(failed). The release to record.
      - V(prepare) and V(built). The new release's name.
      - V(start) and V(switch). The release's folder; for V(switch), empty leaves C(current) as it is.
    type: str
    default: ""
  setup:
    description:
      - V(served). What this deploy set up on the host (kept for the next one).
      - V(inspect). What this deploy needs set up; O(check) runs only when the last deploy recorded the same.
    type: str
    default: ""
  venv:
    description: V(served). The release's virtualenv; empty keeps what the state file says.
    type: path
    default: ""
  archive:
    description:
      - V(prepare). The project as a gzip-compressed tar archive in base64 (as
        P(deployment.django.source_pack#lookup) returns it inline), unpacked
        into the new release folder. Empty for none.
      - Every path unpacked is root's, and no one else may write it (C(u=rwX,go=rX));
        links stay links.
    type: str
    default: ""
  failure:
    description: V(failed). What is written into the release's C(.failed) (host, stage, cause).
    type: dict
    default: {}
  source:
    description:
      - V(venv), and V(prepare) with O(archive). The release's folder on the host, whose top holds the dependency
        files.
    type: path
    default: ""
  revision:
    description: V(venv). Written into O(source)'s C(REVISION) when not empty (the release's id).
    type: str
    default: ""
  link:
    description: V(venv). Link O(source)'s C(.venv) to the virtualenv.
    type: bool
    default: false
  project:
    description:
      - V(venv). The project's folder (holding C(manage.py)); empty for none.
      - V(shared). The project's folder in the release, where the shared paths are linked.
    type: path
    default: ""
  shared:
    description:
      - V(shared). The paths that outlive releases, relative to O(project).
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Relative to O(project) and to C(shared/).
        type: str
        required: true
      link:
        description: Replace the path in the release by a link to C(shared/).
        type: bool
        default: true
  media_path:
    description:
      - V(shared). The one of O(shared) that holds MEDIA_ROOT, setgid and readable by O(media_group); empty for none.
    type: str
    default: ""
  user:
    description: V(shared). The app's account, which owns the shared folders.
    type: str
    default: ""
  group:
    description: V(shared). The app's group, the shared folders' group.
    type: str
    default: ""
  media_group:
    description: V(shared). The group that reads MEDIA_ROOT (the web server's).
    type: str
    default: ""
  static_from:
    description:
      - V(shared). The live release's static root, whose files the new release reuses (their sources did not
        change); empty for none.
      - A failed copy is not an error, and RV(static_copied) says so; the caller collects the files instead.
    type: path
    default: ""
  static_to:
    description: V(shared). The new release's static root, filled from O(static_from) unless it exists.
    type: path
    default: ""
  static_hardlink:
    description: V(shared). Hard-link the files rather than copy them (nothing writes them in place).
    type: bool
    default: true
  record:
    description: V(built). What the release was built from (id, fingerprint, source, virtualenv, settings).
    type: dict
    default: {}
  static:
    description: V(built). Keep the release's hashed static files in C(static-kept/).
    type: bool
    default: false
  bytecode:
    description:
      - V(built). Compile the release's code to bytecode with the release's own Python, and the virtualenv
        O(record) names too, once (a virtualenv compiled is marked with C(.bytecode)).
      - The app's processes run as the app user, who cannot write into the release or the virtualenv, both
        root's. Without bytecode there, every start of the app compiles all it imports again.
      - A file that does not compile is left as it is; importing it fails the release's own checks.
    type: bool
    default: false
  instance:
    description:
      - V(start). The idle instance the release starts on, C(blue) or C(green).
      - V(built). The same, to start the release on once it is recorded; empty starts none.
      - V(live) and V(switch). The instance that now serves.
    type: str
    default: ""
  old_instance:
    description: V(live). The instance that served before; empty for none.
    type: str
    default: ""
  tmpfiles:
    description: V(live). The C(tmpfiles.d) file that recreates O(socket) at boot.
    type: path
    default: ""
  drain:
    description: V(live). Seconds the old instance keeps serving the connections it has before it stops.
    type: int
    default: 0
  lock:
    description:
      - V(inspect). The deploy lock file to take for O(lock_owner) before anything is read; its folder is made
        root's alone (mode 0700) when missing. A lock another run holds fails the task, naming the holder, unless
        it is older than O(lock_ttl) or O(lock_force) is set, or it is given back within O(lock_wait) seconds.
      - V(live). The deploy lock file to give back once everything else is done, when O(lock_owner) holds it
        (another run's lock stays).
      - Empty takes or gives back none.
    type: path
    default: ""
  lock_owner:
    description: V(inspect) and V(live). The run that holds O(lock).
    type: str
    default: ""
  lock_wait:
    description: V(inspect). Seconds to wait for a lock held by another run; V(0) fails at once.
    type: int
    default: 0
  lock_ttl:
    description: V(inspect). Age in seconds after which a lock counts as left by a crashed run and is taken over.
    type: int
    default: 3600
  lock_force:
    description: V(inspect). Take over a lock whoever holds it.
    type: bool
    default: false
  lock_info:
    description: V(inspect). Facts about the run stored in the lock for whoever finds it (user, controller).
    type: dict
    default: {}
  lock_idle:
    description:
      - V(inspect) with O(lock). Give the lock back in the same call when the decision is that nothing is built
        and nothing restarted (RV(unlocked)), since the rest of such a run reads the host's releases no more;
        not while the host lacks the set-up O(setup) names, which the caller then does under the lock.
    type: bool
    default: false
  prune:
    description: V(live). Then remove old and failed releases and unused virtualenvs, as V(prune) does (O(keep)).
    type: bool
    default: false
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
    description: V(prune), V(static), V(built) and V(live). How many releases that served are kept.
    type: int
    default: 5
  rollback_to:
    description: V(rollback). The release to serve again; empty for the one before the live one.
    type: str
    default: ""
attributes:
  check_mode:
    description: V(inspect) and V(rollback) only read; the other views report what they would change.
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
lock:
  description: V(inspect) with O(lock). The lock as found before this call, and whether it was another run's, taken over.
  returned: when view is inspect and lock is set
  type: dict
  contains:
    holder:
      description: The lock as found (empty when it was free).
      type: dict
    taken_over:
      description: Whether a stale or forced lock of another run was replaced.
      type: bool
check:
  description:
    - V(inspect). What O(check) did; not returned when O(check) is empty, nor when O(setup) differs from what the
      last deploy set up.
  returned: when view is inspect and check is set
  type: dict
  contains:
    cmd:
      description: The command line.
      type: list
      elements: str
    rc:
      description: Its exit status; 0 when the check passed.
      type: int
    stdout:
      description: Its standard output.
      type: str
    stderr:
      description: Its standard error, the reasons a check failed, one a line.
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
  description: V(prune), V(static), V(built) and V(live) with O(prune). The releases kept.
  returned: when view is prune, static or built, or live with prune
  type: list
  elements: str
unlocked:
  description: V(live) with O(lock), and V(inspect) with O(lock_idle). The deploy lock was given back.
  returned: when view is live, or inspect with lock
  type: bool
started:
  description: V(start), and V(built) with O(instance). The instance's unit started, C(<service>@<instance>); empty for none.
  returned: when view is start or built
  type: str
static_copied:
  description: V(shared). The live release's static files were copied into O(static_to) by this call.
  returned: when view is shared
  type: bool
static_changes:
  description:
    - V(prune), V(static), V(built) and V(live) with O(prune). The files added to or removed from C(static-kept/),
      relative to it.
  returned: when view is prune, static or built, or live with prune
  type: list
  elements: str
removed:
  description: V(prune), and V(live) with O(prune). The releases and virtualenvs removed (or that would be, in check mode).
  returned: when view is prune, or live with prune
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
record:
  description: V(built). The record written, O(record).
  returned: when view is built
  type: dict
compiled:
  description: V(built) with O(bytecode). The folders compiled to bytecode (or that would be, in check mode).
  returned: when view is built
  type: list
  elements: str
manage_py:
  description: V(venv). Whether O(project) holds C(manage.py) (true when O(project) is empty).
  returned: when view is venv
  type: bool
changes:
  description: V(prepare), V(shared), V(start), V(switch) and V(live). What was done (or would be, in check mode), one line each.
  returned: when view is prepare, shared, start, switch or live
  type: list
  elements: str
"""

import base64
import binascii
import grp
import hashlib
import json
import os
import pwd
import shutil
import stat

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.deployment.django.plugins.module_utils import release_plan
from ansible_collections.deployment.django.plugins.module_utils.lock_file import own_folder, release_lock, take_lock
from ansible_collections.deployment.django.plugins.module_utils.source_tree import code_mode, file_sha256

UNIT_DIR = "/etc/systemd/system"
# The hashed static files of the releases kept, for pages they rendered.
STATIC_KEPT = "static-kept"

RECORD = ".release.json"
# In a virtualenv compiled to bytecode.
BYTECODE_MARK = ".bytecode"
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
        **checked(module, host)
    )


def checked(module, host):
    """The read-only check the caller asked for (O(check)), run in the same
    call as the reading of the releases; its failure is the caller's to
    report (the helper writes its reasons to standard error). Not while the
    host lacks the set-up the caller needs (O(setup)): the helper may be
    missing or older."""
    argv = module.params["check"]
    if not argv or (module.params["setup"] and module.params["setup"] != host.state.get("setup", "")):
        return {}
    rc, out, err = module.run_command(argv)
    return dict(check=dict(cmd=argv, rc=rc, stdout=out, stderr=err))


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
    changes = []
    if params["revision"]:
        _write_if_changed(module, os.path.join(params["source"], "REVISION"), params["revision"] + "\n", 0o644, changes)
    if params["link"]:
        _link(module, path, os.path.join(params["source"], ".venv"), changes)
    manage_py = not params["project"] or os.path.isfile(os.path.join(params["project"], "manage.py"))
    return dict(
        changed=bool(changes),
        changes=changes,
        venv=path,
        venv_ready=os.path.exists(os.path.join(path, ".complete")),
        dependencies=kind,
        manage_py=manage_py,
    )


# The steps of a release on the host, each one call: the folders a release
# is built in, the paths shared between releases, its record, the start on
# the idle instance and what makes the live one last. Every step reports
# what it did, one line each, and does nothing in check mode.


def _release_name(module, name):
    if not name or "/" in name or name in (".", ".."):
        module.fail_json(msg="release must be a release's folder name below releases/; got %s." % json.dumps(name))
    return name


def _account(module, kind, name):
    """The id of a user or group, by name; fails naming what is missing."""
    try:
        return pwd.getpwnam(name).pw_uid if kind == "user" else grp.getgrnam(name).gr_gid
    except KeyError:
        module.fail_json(msg="The %s %s does not exist on the host (create it first: the python_app role)." % (kind, json.dumps(name)))


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def _own_folder(module, path, uid, gid, mode, changes):
    """``path`` a folder with this owner, group and mode: created when
    missing (missing parents root's, 0755). A link to a folder is followed,
    as an operator may put shared uploads on another disk; anything else in
    its place is an error, never removed."""
    created = not os.path.isdir(path)
    if created:
        if os.path.lexists(path):
            module.fail_json(msg="%s is in the way of a folder: move it away." % path)
        changes.append("create %s" % path)
        if module.check_mode:
            return
        _make_dirs(os.path.dirname(path))
        os.mkdir(path, 0o700)
    status = os.stat(path)
    owned = (status.st_uid, status.st_gid) == (uid, gid)
    if not owned and not created:
        changes.append("owner of %s" % path)
    if stat.S_IMODE(status.st_mode) != mode and not created:
        changes.append("mode of %s: %04o" % (path, mode))
    if module.check_mode:
        return
    if not owned:
        os.chown(path, uid, gid)
    # A change of owner may clear the setgid bit: the mode goes after it.
    if not owned or stat.S_IMODE(status.st_mode) != mode:
        os.chmod(path, mode)


def _link(module, target, path, changes):
    """``path`` a link to ``target``, replaced in one rename."""
    if os.path.islink(path) and os.readlink(path) == target:
        return
    changes.append("link %s to %s" % (path, target))
    if module.check_mode:
        return
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    temporary = os.path.join(os.path.dirname(path), ".%s.%d.link" % (os.path.basename(path), os.getpid()))
    if os.path.lexists(temporary):
        os.unlink(temporary)
    os.symlink(target, temporary)
    os.rename(temporary, path)


def _write_if_changed(module, path, content, mode, changes):
    try:
        with open(path) as handle:
            same = handle.read() == content and stat.S_IMODE(os.stat(path).st_mode) == mode
    except (IOError, OSError, UnicodeDecodeError):
        same = False
    if same:
        return
    changes.append("write %s" % path)
    if not module.check_mode:
        _write(module, path, content, mode)


def _systemctl(module, *argv):
    rc, out, err = module.run_command(["systemctl"] + list(argv))
    if rc != 0:
        module.fail_json(msg="systemctl %s failed: %s" % (" ".join(argv), (err or out).strip()), rc=rc, stdout=out, stderr=err)
    return out


def _stop_if_loaded(module, unit):
    """Stop a unit that may be gone already: a unit systemd does not know
    (exit 5, "not loaded") is stopped as far as anyone can tell."""
    rc, out, err = module.run_command(["systemctl", "stop", unit])
    if rc == 0 or (rc == 5 and "not loaded" in (err or out)):
        return
    module.fail_json(msg="systemctl stop %s failed: %s" % (unit, (err or out).strip()), rc=rc, stdout=out, stderr=err)


def prepare(module, host):
    """Root's folders for releases and virtualenvs, and an empty one for the
    new release (what an earlier attempt left there goes)."""
    name = _release_name(module, module.params["release"])
    changes = []
    uid, gid = os.geteuid(), os.getegid()
    for folder in (host.home, host.releases_dir, host.venvs_dir):
        _own_folder(module, folder, uid, gid, 0o755, changes)
    path = os.path.join(host.releases_dir, name)
    if os.path.lexists(path):
        changes.append("remove what an earlier attempt left in %s" % path)
        if not module.check_mode:
            _remove(path)
    changes.append("create %s" % path)
    if not module.check_mode:
        os.mkdir(path, 0o755)
        os.chmod(path, 0o755)
    result = dict(changed=True, changes=changes, path=path)
    if module.params["archive"]:
        changes.append("unpack the project into %s" % path)
        if not module.check_mode:
            unpack(module, module.params["archive"], path)
            if module.params["source"]:
                found = venv(module, host)
                changes.extend(found.pop("changes"))
                result.update(found, changed=True, changes=changes)
    return result


def unpack(module, archive, path):
    """The base64 tar.gz ``archive`` into the empty folder ``path``, by GNU
    tar as the file copy would (no member outside ``path``, no owner from
    the archive), then each path's mode made code's (``code_mode``)."""
    try:
        data = base64.b64decode(archive, validate=True)
    except (binascii.Error, ValueError) as exc:
        module.fail_json(msg="archive must be a base64 gzip-compressed tar archive: %s" % exc)
    rc, out, err = module.run_command(
        ["tar", "--extract", "--gzip", "--no-same-owner", "--directory", path, "--file", "-"], data=data, binary_data=True
    )
    if rc != 0:
        module.fail_json(msg="Unpacking the project into %s failed: %s" % (path, (err or out).strip()), rc=rc)
    for parent, dirs, files in os.walk(path):
        for name in dirs + files:
            full = os.path.join(parent, name)
            mode = os.lstat(full).st_mode
            if not stat.S_ISLNK(mode):
                os.chmod(full, code_mode(mode))


def shared(module, host):
    """Each path that outlives releases: its folder below shared/ (the
    app's; MEDIA_ROOT's setgid, so whatever the app makes in it belongs to
    the web server's group, which reads it) and, where asked, a link to it
    in place of the release's own."""
    params = module.params
    uid = _account(module, "user", params["user"])
    gid = _account(module, "group", params["group"])
    root_uid, root_gid = os.geteuid(), os.getegid()
    shared_dir = os.path.join(host.home, "shared")
    changes = []
    for entry in params["shared"]:
        parts = [part for part in entry["path"].split("/") if part]
        if not parts or any(part in (".", "..") for part in parts):
            module.fail_json(msg="A shared path must be relative, inside the project; got %s." % json.dumps(entry["path"]))
        for depth in range(1, len(parts)):
            _own_folder(module, os.path.join(shared_dir, *parts[:depth]), root_uid, root_gid, 0o755, changes)
        folder = os.path.join(shared_dir, *parts)
        if entry["path"] == params["media_path"]:
            _own_folder(module, folder, uid, _account(module, "group", params["media_group"]), 0o2750, changes)
        else:
            _own_folder(module, folder, uid, gid, 0o755, changes)
        if not entry.get("link", True):
            continue
        in_release = os.path.join(params["project"], *parts)
        if os.path.islink(in_release) and os.readlink(in_release) == folder:
            continue
        if os.path.lexists(in_release):
            changes.append("remove %s from the release" % in_release)
            if not module.check_mode:
                _remove(in_release)
        if not module.check_mode:
            _make_dirs(os.path.dirname(in_release))
        _link(module, folder, in_release, changes)
    copied = False
    if params["static_from"] and params["static_to"] and not os.path.lexists(params["static_to"]):
        changes.append("reuse %s in %s" % (params["static_from"], params["static_to"]))
        if not module.check_mode:
            argv = ["cp", "--archive"] + (["--link"] if params["static_hardlink"] else []) + [params["static_from"], params["static_to"]]
            rc, _out, _err = module.run_command(argv)
            copied = rc == 0
    return dict(changed=bool(changes), changes=changes, static_copied=copied)


def built(module, host):
    """The release's record, then its hashed static files kept, then, given
    an instance, the release started on it (as V(start) does)."""
    params = module.params
    name = _release_name(module, params["release"])
    path = os.path.join(host.releases_dir, name)
    changes = []
    _write_if_changed(module, os.path.join(path, RECORD), json.dumps(params["record"], indent=4, sort_keys=True) + "\n", 0o644, changes)
    result = dict(changed=bool(changes), record=params["record"], kept=[], static_changes=[], started="")
    if params["static"]:
        result.update(static(module, host))
        result["changed"] = result["changed"] or bool(changes)
    result["compiled"] = compile_bytecode(module, path) if params["bytecode"] else []
    if params["instance"]:
        started = start_instance(module, host, params["service"], params["instance"], path)
        result.update(changed=True, started=started["started"])
    return result


def compile_bytecode(module, release_path):
    """Bytecode for what the app imports, with the release's own Python:
    the release's code every release, its virtualenv once (then marked).
    Before the release starts, so that no start compiles it again."""
    python = os.path.join(release_path, ".venv", "bin", "python")
    if not os.path.exists(python):
        return []
    folders = [release_path]
    venv = module.params["record"].get("venv", "")
    if venv and os.path.isdir(venv) and not os.path.exists(os.path.join(venv, BYTECODE_MARK)):
        folders.append(venv)
    if module.check_mode:
        return folders
    for folder in folders:
        # -q: the names of files that do not compile only; those are the
        # release checks' to judge (an import of one fails them).
        module.run_command([python, "-m", "compileall", "-q", "-j", "0", folder])
    if venv in folders:
        _write(module, os.path.join(venv, BYTECODE_MARK), "", 0o644)
    return folders


def _instance(module, name, what):
    if name not in ("blue", "green"):
        module.fail_json(msg="%s must be blue or green; got %s." % (what, json.dumps(name)))
    return name


def start(module, host):
    """The release on the idle instance: what still runs there stops first
    (with its pending retirement, so a late timer cannot stop this
    release), its link moves to the release, then it starts."""
    params = module.params
    return start_instance(module, host, params["service"], params["instance"], params["release"])


def start_instance(module, host, service, instance, release_path):
    instance = _instance(module, instance, "instance")
    unit = "%s@%s" % (service, instance)
    changes = ["stop %s and its retirement" % unit, "start %s" % unit]
    if not module.check_mode:
        # The retirement's timer first, so that it cannot fire any more,
        # then the service it may have started, each by its own name: a
        # pattern is matched before the stop, and a timer that fired in
        # between failed the stop ("not loaded"). A transient unit that is
        # not loaded has run and is gone. The socket's stop then waits for
        # any stop of the instance the retirement asked for.
        retire = "%s-retire-%s" % (service, instance)
        for transient in (retire + ".timer", retire + ".service"):
            _stop_if_loaded(module, transient)
        _systemctl(module, "stop", unit + ".socket")
    _link(module, release_path, os.path.join(host.home, instance), changes)
    if not module.check_mode:
        rc, out, err = module.run_command(["systemctl", "start", unit + ".service"])
        if rc != 0:
            # Nothing is left half-started: the socket, which a start may
            # leave listening, stops too. The journal keeps the reason.
            module.run_command(["systemctl", "stop", unit + ".socket"])
            module.fail_json(msg="systemctl start %s.service failed: %s" % (unit, (err or out).strip()), rc=rc, stdout=out, stderr=err)
    return dict(changed=True, changes=changes, started=unit)


def switch(module, host):
    """current, then the socket link: the moment traffic moves."""
    params = module.params
    changes = []
    if params["release"]:
        _link(module, params["release"], host.current, changes)
    if params["socket"]:
        _link(module, "%s.sock" % _instance(module, params["instance"], "instance"), params["socket"], changes)
    return dict(changed=bool(changes), changes=changes)


def live(module, host):
    """After the switch: the live instance starts at boot and the old one
    does not, the socket link is recreated at boot, and the old instance
    stops once it drained (a transient timer, gone once it ran; the next
    release on that instance cancels it)."""
    params = module.params
    service = params["service"]
    instance = _instance(module, params["instance"], "instance")
    old = params["old_instance"]
    if old:
        _instance(module, old, "old_instance")
    changes = []
    for name, wanted in ((instance, True), (old, False)):
        if not name:
            continue
        unit = "%s@%s.service" % (service, name)
        _rc, out, _err = module.run_command(["systemctl", "is-enabled", unit])
        enabled = out.strip() in ("enabled", "enabled-runtime")
        if enabled != wanted:
            changes.append("%s %s at boot" % ("enable" if wanted else "disable", unit))
            if not module.check_mode:
                _systemctl(module, "enable" if wanted else "disable", "--quiet", unit)
    if params["tmpfiles"]:
        content = "# Written by deployment.django's releases: %s names the live instance.\nL+ %s - - - - %s.sock\n" % (
            params["socket"],
            params["socket"],
            instance,
        )
        _write_if_changed(module, params["tmpfiles"], content, 0o644, changes)
    if old:
        socket = "%s@%s.socket" % (service, old)
        if params["drain"] > 0:
            changes.append("stop %s in %d s" % (socket, params["drain"]))
            if not module.check_mode:
                rc, out, err = module.run_command(
                    [
                        "systemd-run",
                        "--quiet",
                        "--collect",
                        "--unit=%s-retire-%s" % (service, old),
                        "--description=Stop the drained gunicorn instance %s of %s" % (old, service),
                        "--on-active=%ds" % params["drain"],
                        "--timer-property=AccuracySec=100ms",
                        "--timer-property=RemainAfterElapse=no",
                        "systemctl",
                        "stop",
                        socket,
                    ]
                )
                if rc != 0:
                    module.fail_json(msg="Scheduling the stop of %s failed: %s" % (socket, (err or out).strip()))
        else:
            changes.append("stop %s" % socket)
            if not module.check_mode:
                _systemctl(module, "stop", socket)
    result = dict(changed=bool(changes), changes=changes, unlocked=False)
    if params["prune"]:
        pruned = prune(module, host)
        result.update(pruned, changed=bool(changes) or pruned["changed"])
    if params["lock"] and params["lock_owner"]:
        result["unlocked"] = release_lock(params["lock"], params["lock_owner"], check_mode=module.check_mode)["changed"]
    return result


def take_deploy_lock(module):
    """V(inspect) with O(lock): the lock, taken before anything is read (its
    folder root's alone). Holding it is bookkeeping for the length of the
    run, never a change of the host. None without O(lock)."""
    params = module.params
    if not params["lock"]:
        return None
    if not params["lock_owner"]:
        module.fail_json(msg="lock_owner must name the run that takes the lock; got an empty string.")
    if params["lock_wait"] < 0 or params["lock_ttl"] < 1:
        module.fail_json(
            msg="lock_wait must be 0 or more and lock_ttl 1 or more seconds; got %d and %d." % (params["lock_wait"], params["lock_ttl"])
        )
    if not module.check_mode:
        own_folder(os.path.dirname(params["lock"]), 0o700)
    return take_lock(
        params["lock"],
        params["lock_owner"],
        params["lock_wait"],
        params["lock_ttl"],
        params["lock_force"],
        params["lock_info"],
        module.fail_json,
        check_mode=module.check_mode,
    )


def main():
    module = AnsibleModule(
        argument_spec=dict(
            home=dict(type="path", required=True),
            view=dict(
                type="str",
                choices=["inspect", "prune", "rollback", "served", "failed", "static", "venv", "prepare", "shared", "built", "start", "switch", "live"],
                default="inspect",
            ),
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
            # The project's code, not a secret: kept out of the result that
            # comes back (a module's arguments are echoed in it).
            archive=dict(type="str", default="", no_log=True),
            source=dict(type="path", default=""),
            requirements_file=dict(type="str", default="requirements.txt"),
            dependencies=dict(type="str", choices=["auto", "uv", "poetry", "requirements"], default="auto"),
            installer=dict(type="str", choices=["uv", "pip"], default="uv"),
            packages=dict(type="list", elements="str", default=[]),
            python=dict(type="path", default="/usr/bin/python3"),
            revision=dict(type="str", default=""),
            link=dict(type="bool", default=False),
            project=dict(type="path", default=""),
            shared=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(path=dict(type="str", required=True), link=dict(type="bool", default=True)),
            ),
            media_path=dict(type="str", default=""),
            user=dict(type="str", default=""),
            group=dict(type="str", default=""),
            media_group=dict(type="str", default=""),
            static_from=dict(type="path", default=""),
            static_to=dict(type="path", default=""),
            static_hardlink=dict(type="bool", default=True),
            record=dict(type="dict", default={}),
            static=dict(type="bool", default=False),
            bytecode=dict(type="bool", default=False),
            instance=dict(type="str", default=""),
            old_instance=dict(type="str", default=""),
            tmpfiles=dict(type="path", default=""),
            drain=dict(type="int", default=0),
            prune=dict(type="bool", default=False),
            lock=dict(type="path", default=""),
            lock_owner=dict(type="str", default=""),
            lock_wait=dict(type="int", default=0),
            lock_ttl=dict(type="int", default=3600),
            lock_force=dict(type="bool", default=False),
            lock_info=dict(type="dict", default={}),
            lock_idle=dict(type="bool", default=False),
            check=dict(type="list", elements="str", default=[]),
        ),
        supports_check_mode=True,
    )
    module.exit_json(**run(module))


def run(module):
    """The view O(view) asks for; V(inspect) under the deploy lock when
    O(lock) names one, given back at once when nothing is to be done and
    O(lock_idle) allows."""
    params = module.params
    taken = take_deploy_lock(module) if params["view"] == "inspect" else None
    host = Host(params["home"])
    result = dict(
        changed=False, history=release_plan.history(host.state), venvs=host.state.get("venvs", {}), setup=host.state.get("setup", "")
    )
    if taken is not None:
        result.update(lock=dict(holder=taken["holder"], taken_over=taken["taken_over"]), unlocked=False)
    views = {
        "inspect": inspect,
        "prune": prune,
        "rollback": rollback,
        "served": record_served,
        "failed": record_failed,
        "static": static,
        "venv": venv,
        "prepare": prepare,
        "shared": shared,
        "built": built,
        "start": start,
        "switch": switch,
        "live": live,
    }
    try:
        result.update(views[params["view"]](module, host))
    except release_plan.PlanError as error:
        module.fail_json(msg=str(error), **result)
    # The set-up the caller still has to do (O(setup)) happens under it too.
    set_up = not params["setup"] or params["setup"] == host.state.get("setup", "")
    if taken is not None and params["lock_idle"] and set_up and not result["build"] and not result["restart"]:
        result["unlocked"] = release_lock(params["lock"], params["lock_owner"], check_mode=module.check_mode)["changed"]
    return result


if __name__ == "__main__":
    main()
