#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: deployment.django contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: deploy_lock
short_description: Hold a per-host deploy lock so two deploys never overlap
version_added: 0.1.0
description:
  - Takes or gives back a lock file on the managed host. A second deploy that
    finds the lock held by another run fails at once with a message naming
    the holder, or waits for it when O(wait) is given.
  - The lock is re-entrant for its O(owner), so the entry points of one
    deploy (prepare, migrate, switch) may each ask for it.
  - A lock older than O(ttl) seconds is taken to be left by a run that
    crashed and is taken over; O(force=true) takes over (or clears) any lock
    at once.
  - The lock file is created atomically (C(O_CREAT|O_EXCL)), so two runs
    racing for a free lock cannot both win.
options:
  path:
    description: The lock file. Its folder must exist, unless O(folder_mode) is given.
    type: path
    required: true
  folder_mode:
    description:
      - When set (octal, such as V("0700")), the lock's folder is created when
        missing and given this mode, owned by the user the module runs as
        (root's alone with V("0700")), in the same call that takes the lock.
      - Empty leaves the folder as it is.
    type: str
    default: ""
  state:
    description:
      - V(present) takes the lock (or keeps it when O(owner) holds it).
      - V(absent) gives it back; a lock of another owner is left alone unless
        O(force=true).
    type: str
    choices: [present, absent]
    default: present
  owner:
    description: Names the run that holds the lock; any string unique per run.
    type: str
    required: true
  wait:
    description: Seconds to wait for a lock held by another run; V(0) fails at once.
    type: int
    default: 0
  ttl:
    description: Age in seconds after which a lock counts as left by a crashed run.
    type: int
    default: 3600
  force:
    description: Take over, or clear, a lock whoever holds it.
    type: bool
    default: false
  info:
    description: Facts about the run stored in the lock for whoever finds it (user, controller, release).
    type: dict
    default: {}
  read:
    description:
      - A JSON file the lock protects (the state of the last deploy), read
        once the lock is taken, in the same call, and returned as RV(content).
      - A missing file gives an empty RV(content); one that is not JSON fails
        the task (the lock is given back first).
      - Empty reads nothing.
    type: path
    default: ""
attributes:
  check_mode:
    description: Reports whether the lock would be taken or given back, and changes nothing.
    support: full
  diff_mode:
    description: Shows no diff.
    support: none
author:
  - deployment.django contributors (@deployment-django)
"""

EXAMPLES = r"""
- name: Take the deploy lock, waiting up to five minutes for another deploy
  deployment.django.deploy_lock:
    path: /srv/myapp/.deploy/lock
    owner: "{{ release_run_id }}"
    wait: 300
    info:
      release: "{{ release_id }}"

- name: Give the deploy lock back
  deployment.django.deploy_lock:
    path: /srv/myapp/.deploy/lock
    owner: "{{ release_run_id }}"
    state: absent
"""

RETURN = r"""
holder:
  description: The lock as found before this task (empty when it was free).
  returned: always
  type: dict
  sample: {"owner": "20261125T101500Z-4f2a", "since": 1795000000.0, "info": {"release": "20261125T101500Z-1c9e0a7b"}}
taken_over:
  description: Whether a stale or forced lock of another owner was replaced.
  returned: always
  type: bool
content:
  description: The JSON file named by O(read), as read under the lock; empty when it does not exist.
  returned: when O(read) is given and O(state=present)
  type: dict
  sample: {"live": "20261125T101500Z", "setup": "9b1c..."}
"""

import json
import os
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.deployment.django.plugins.module_utils import lock_file
from ansible_collections.deployment.django.plugins.module_utils.lock_file import release_lock, take_lock


def acquire(module, path, owner, wait, ttl, force, info, clock=time.time, sleep=time.sleep):
    """Take the lock; returns the result dict or fails the module."""
    return take_lock(path, owner, wait, ttl, force, info, module.fail_json, check_mode=module.check_mode, clock=clock, sleep=sleep)


def own_folder(module, folder, mode_text):
    """The lock's folder, made when missing, with exactly ``mode_text`` and
    the module's user as owner."""
    try:
        mode = int(mode_text, 8)
    except ValueError:
        module.fail_json(msg="folder_mode must be an octal mode such as 0700; got %s." % json.dumps(mode_text))
    lock_file.own_folder(folder, mode)


def release(module, path, owner, force):
    return release_lock(path, owner, force, module.check_mode)


def read_state(module, path, lock, owner):
    """The JSON object in PATH, {} when missing; on a bad file the lock
    (taken by this call) is given back before the task fails."""
    try:
        with open(path) as handle:
            content = json.load(handle)
    except (IOError, OSError) as error:
        if not os.path.exists(path):
            return {}
        problem = str(error)
    except ValueError as error:
        problem = "not JSON (%s)" % error
    else:
        if isinstance(content, dict):
            return content
        problem = "not a JSON object"
    if not module.check_mode:
        release(module, lock, owner, False)
    module.fail_json(msg="%s, the state of the last deploy, cannot be read: %s. Move it aside to start afresh." % (path, problem))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            owner=dict(type="str", required=True),
            wait=dict(type="int", default=0),
            ttl=dict(type="int", default=3600),
            force=dict(type="bool", default=False),
            info=dict(type="dict", default={}),
            folder_mode=dict(type="str", default=""),
            read=dict(type="path", default=""),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not params["owner"]:
        module.fail_json(msg="owner must name the run that holds the lock; got an empty string.")
    if params["wait"] < 0 or params["ttl"] < 1:
        module.fail_json(msg="wait must be 0 or more and ttl 1 or more seconds; got wait %d, ttl %d." % (params["wait"], params["ttl"]))
    folder = os.path.dirname(params["path"]) or "."
    if params["folder_mode"] and not module.check_mode:
        own_folder(module, folder, params["folder_mode"])
    if not os.path.isdir(folder) and not (params["folder_mode"] and module.check_mode):
        module.fail_json(msg="The folder of the lock, %s, does not exist." % folder)
    if params["state"] == "present":
        result = acquire(module, params["path"], params["owner"], params["wait"], params["ttl"], params["force"], params["info"])
        if params["read"]:
            result["content"] = read_state(module, params["read"], params["path"], params["owner"])
    else:
        result = release(module, params["path"], params["owner"], params["force"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
