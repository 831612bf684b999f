# -*- coding: utf-8 -*-
# Copyright: deployment.django contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The deploy lock's file on the host: read, created, replaced, given back.

The deploy_lock module takes and gives back the lock; release_state takes
it in the call that decides a release and gives it back in the last step
of a release, so that a release needs no call of its own for either. Both
go through these functions, so the lock means the same to each: a JSON
object with the holder's ``owner``, ``since`` (epoch seconds) and
``info``, created atomically, removed only by its owner unless forced.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time


def read_lock(path):
    """The lock's content, {} when there is none, or a marker when unreadable."""
    try:
        with open(path) as handle:
            content = json.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        content = None
    if isinstance(content, dict):
        return content
    # Being written by a racing run, or damaged: as old as the file.
    try:
        since = os.stat(path).st_mtime
    except OSError:
        return {}
    return {"owner": "", "since": since, "info": {"unreadable": True}}


def create_lock(path, record):
    """Create the lock file atomically; False when it already exists."""
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "w") as handle:
        json.dump(record, handle)
    return True


def replace_lock(path, record):
    """Replace a stale lock: write beside it and rename over it."""
    temporary = "%s.%d" % (path, os.getpid())
    with open(temporary, "w") as handle:
        json.dump(record, handle)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def release_lock(path, owner, force=False, check_mode=False):
    """Give the lock back when ``owner`` holds it (any holder's with
    ``force``); another owner's lock stays. Returns changed, the holder
    found and whether it was another's."""
    holder = read_lock(path)
    if not holder or (holder.get("owner") != owner and not force):
        return dict(changed=False, holder=holder, taken_over=False)
    if not check_mode:
        try:
            os.unlink(path)
        except FileNotFoundError:
            return dict(changed=False, holder=holder, taken_over=False)
    return dict(changed=True, holder=holder, taken_over=holder.get("owner") != owner)


def describe(holder, now):
    """The holder of a lock, for a person: who, how long ago, from where."""
    info = holder.get("info") or {}
    details = ", ".join("%s %s" % (key, info[key]) for key in sorted(info))
    age = int(now - float(holder.get("since") or 0))
    return "run %s, %d s ago%s" % (holder.get("owner") or "(unknown)", age, " (" + details + ")" if details else "")


def take_lock(path, owner, wait, ttl, force, info, fail, check_mode=False, clock=time.time, sleep=time.sleep):
    """Take the lock for ``owner``: at once when it is free, again when
    ``owner`` holds it, by replacing it when it is older than ``ttl`` seconds
    or ``force`` is set; otherwise wait up to ``wait`` seconds for its
    holder, then call ``fail`` with a message naming the holder (``fail``
    does not return: a module's fail_json). Returns changed, the holder
    found and whether it was another's."""
    deadline = clock() + wait
    while True:
        now = clock()
        holder = read_lock(path)
        record = {"owner": owner, "since": now, "info": info}
        if not holder:
            if check_mode or create_lock(path, record):
                return dict(changed=True, holder={}, taken_over=False)
            continue  # another run won the race: look again
        if holder.get("owner") == owner:
            return dict(changed=False, holder=holder, taken_over=False)
        stale = now - float(holder.get("since") or 0) > ttl
        if stale or force:
            if not check_mode:
                replace_lock(path, record)
                if read_lock(path).get("owner") != owner:
                    continue  # a racing run replaced it after us
            return dict(changed=True, holder=holder, taken_over=True)
        if now >= deadline:
            fail(
                msg="Another deploy holds the lock %s: %s. Wait for it to end, ask to wait for it, "
                "or clear a lock left by a run that crashed (force)." % (path, describe(holder, now)),
                holder=holder,
                taken_over=False,
            )
        sleep(min(1.0, max(deadline - now, 0.05)))


def own_folder(folder, mode):
    """The lock's folder, made when missing, with exactly ``mode`` (an int)
    and the current user as owner."""
    if not os.path.isdir(folder):
        os.makedirs(os.path.dirname(folder) or ".", 0o755, exist_ok=True)
        os.mkdir(folder, mode & 0o700)
    status = os.stat(folder)
    owned = (status.st_uid, status.st_gid) == (os.geteuid(), os.getegid())
    if not owned:
        os.chown(folder, os.geteuid(), os.getegid())
    if not owned or status.st_mode & 0o7777 != mode:
        os.chmod(folder, mode)
