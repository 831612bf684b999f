# -*- coding: utf-8 -*-
# Copyright: deployment.django contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The deploy lock's file on the host: read, created, replaced, given back.

The deploy_lock module takes and gives back the lock; release_state gives
it back in the last step of a release, so that a release needs no call of
its own for it. Both go through these functions, so the lock means the
same to each: a JSON object with the holder's ``owner``, ``since`` (epoch
seconds) and ``info``, created atomically, removed only by its owner
unless forced.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os


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
