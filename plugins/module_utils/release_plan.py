# -*- coding: utf-8 -*-
# Copyright: deployment.django contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The decisions of a release, as plain functions of what is on the host.

A host holds ``releases/<id>/`` (each with its ``.release.json`` record, and
``.failed`` when it failed), ``current`` (a link to the live one) and a state
file naming the releases that served, newest last. Nothing here reads or
writes a file: the release_state module gathers the facts and acts, these
functions decide, and the unit tests hold them to tables of cases.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import re

RELEASE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# The two gunicorn instances that take turns serving releases.
INSTANCES = ("blue", "green")


class PlanError(ValueError):
    """A decision that cannot be made: the message says why, for a person."""


def fingerprint(shape):
    """One digest of everything that shapes a release (its code and how it is
    built): two deploys with the same shape give the same release."""
    text = json.dumps(shape, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def history(state):
    """The releases that served, oldest first, from the state file's content
    (a file written before histories were kept names only the live one)."""
    if "history" in state:
        return list(state["history"])
    return [state["release"]] if state.get("release") else []


def served(state, release, env_checksum, setup, venv, size=50):
    """The state file's content once ``release`` serves: it joins the history
    (once, in the order releases were first deployed, so a rollback does not
    reorder it), newest ``size`` kept, with each kept release's virtualenv."""
    names = history(state)
    if release not in names:
        names.append(release)
    names = names[-size:]
    venvs = dict(state.get("venvs", {}))
    if venv:
        venvs[release] = venv
    return {
        "release": release,
        "env_checksum": env_checksum,
        "history": names,
        "setup": setup,
        "venvs": dict((name, path) for name, path in venvs.items() if name in names),
    }


def venv_name(requirements_checksum, packages, python):
    """Releases with the same requirements, pinned packages and interpreter
    share one virtualenv, named by a digest of the three."""
    return fingerprint({"requirements": requirements_checksum, "packages": list(packages), "python": python})[:16]


def needs_build(live, shape_fingerprint, force=False):
    """A new release is built when none serves, when the live one was built
    from something else, or when asked to."""
    return bool(force) or live.get("fingerprint", "") != shape_fingerprint


def instance_of(socket_target):
    """The instance a socket link's target names: "blue" for "blue.sock" or
    "/run/x/blue.sock"; empty for anything else."""
    name = socket_target.rsplit("/", 1)[-1]
    if not name.endswith(".sock"):
        return ""
    name = name[: -len(".sock")]
    return name if name in INSTANCES else ""


def next_instance(live_instance):
    """The instance a release starts on: the one that is not live."""
    return INSTANCES[1] if live_instance == INSTANCES[0] else INSTANCES[0]


def needs_restart(state, live, env_checksum, service_active):
    """The other instance starts even without a new release when the
    environment file or the units changed since the last deploy, when the
    live release is not the one the last deploy left (someone switched by
    hand), or when the live instance is not running."""
    return (
        state.get("env_checksum", "") != env_checksum
        or state.get("release", "") != live.get("id", "")
        or (bool(live) and not service_active)
    )


def release_name(requested, timestamp, shape_fingerprint, live_id=""):
    """The new release's folder name: the one asked for, else the deploy's
    time and the first eight digits of its fingerprint."""
    name = requested or "%s-%s" % (timestamp, shape_fingerprint[:8])
    if not RELEASE_NAME.match(name):
        raise PlanError(
            "django_release_id must be a plain folder name (letters, digits, '.', '-', '_'); got %s" % json.dumps(name)
        )
    if name == live_id:
        raise PlanError("django_release_id %s is the live release's name: a new release needs another" % json.dumps(name))
    return name


# What a project's dependencies are installed from, in the order the role
# looks for them when django_release_dependencies is "auto".
DEPENDENCY_KINDS = ("uv", "poetry", "requirements")


def dependency_source(present, requested="auto", requirements_file="requirements.txt", installer="uv"):
    """(kind, files) a release's virtualenv is built from. ``present`` holds
    the files found at the project's top. "auto" takes uv.lock (with its
    pyproject.toml), else poetry.lock (with its pyproject.toml), else the
    requirements file; a named kind must have its files, and a uv.lock needs
    the uv ``installer``. ``files`` is what the virtualenv's name is
    checksummed from."""
    present = set(present)
    needs = {
        "uv": ["pyproject.toml", "uv.lock"],
        "poetry": ["pyproject.toml", "poetry.lock"],
        "requirements": [requirements_file] if requirements_file else [],
    }
    if requested not in ("auto",) + DEPENDENCY_KINDS:
        raise PlanError(
            "django_release_dependencies must be auto, %s; got %s" % (", ".join(DEPENDENCY_KINDS), json.dumps(requested))
        )
    kinds = DEPENDENCY_KINDS if requested == "auto" else (requested,)
    for kind in kinds:
        lock = {"uv": "uv.lock", "poetry": "poetry.lock"}.get(kind)
        if requested == "auto" and lock and lock not in present:
            continue
        missing = [name for name in needs[kind] if name not in present]
        if missing and kind == "requirements":
            raise PlanError(
                "django_release_requirements_file: %s is not at the top of the source, and neither is a uv.lock"
                " or poetry.lock (set it to \"\" for a project without dependencies)" % requirements_file
            )
        if missing:
            raise PlanError(
                "django_release_dependencies is %s (%s): the source's top must hold %s; %s missing"
                % (
                    requested,
                    kind,
                    " and ".join(needs[kind]),
                    " and ".join(missing) + (" is" if len(missing) == 1 else " are"),
                )
            )
        if kind == "uv" and installer != "uv":
            raise PlanError(
                "django_release_installer is %s, but the project's dependencies are locked in uv.lock, which only uv"
                " installs: set django_release_installer to uv (or django_release_dependencies to requirements)"
                % installer
            )
        return kind, needs[kind]
    return "requirements", []


def releases_to_keep(on_disk, served, new_id, keep):
    """(kept, removed): the newest ``keep`` releases that served and are still
    on disk, the new live one among them; every other folder goes, including
    releases that never served (failed, or built by a deploy that stopped)."""
    if keep < 1:
        raise PlanError("keep must be at least 1, got %d" % keep)
    order = []
    for name in list(served) + [new_id]:
        if name in on_disk and name not in order:
            order.append(name)
    kept = order[-keep:]
    # The live release stays, whatever its place (a rollback to an old one).
    if new_id in on_disk and new_id not in kept:
        kept = kept[1:] + [new_id]
    removed = sorted(name for name in on_disk if name not in kept)
    return kept, removed


def kept_static_files(manifests):
    """The hashed static files that stay reachable after the releases that
    linked them stopped serving: {relative path: release whose static root
    holds it}, from each kept release's ``staticfiles.json`` paths,
    newest release first. Only hashed names (a name the manifest maps to
    another) count, never an unhashed one, and never a path that could
    leave the folder."""
    kept = {}
    for release, paths in manifests:
        for source, hashed in sorted(paths.items()):
            if not isinstance(hashed, str) or hashed == source or not _plain_relative(hashed):
                continue
            kept.setdefault(hashed, release)
    return kept


def _plain_relative(path):
    parts = path.split("/")
    return bool(path) and not path.startswith("/") and "\\" not in path and all(part not in ("", ".", "..") for part in parts)


def venvs_to_remove(venvs_on_disk, kept, venv_of):
    """The virtualenv folders no kept release uses. When a kept release's
    virtualenv is not known (a record older than that field), none goes."""
    if any(name not in venv_of for name in kept):
        return []
    used = set(venv_of[name] for name in kept)
    return sorted(path for path in venvs_on_disk if path not in used)


def rollback_target(served, on_disk, failed, live_id, requested=""):
    """(target, candidates): the release to serve again. Only a release that
    served, is still on disk and never failed is a candidate; by default the
    newest one that served before the live one."""
    candidates = [name for name in served if name in on_disk and name not in failed]
    others = [name for name in candidates if name != live_id]
    if requested:
        target = requested
        if target not in others:
            raise PlanError(
                "django_release_rollback_to %s is not a release that served and is still here (or it is the live one); "
                "releases to go back to: %s" % (json.dumps(requested), ", ".join(others) or "none")
            )
        return target, others
    before = candidates[: candidates.index(live_id)] if live_id in candidates else candidates
    before = [name for name in before if name != live_id]
    if not before:
        raise PlanError(
            "No release that served before %s is left; releases to go back to: %s" % (live_id or "(none)", ", ".join(others) or "none")
        )
    return before[-1], others
