# -*- coding: utf-8 -*-
# Copyright: deployment.django contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: source_digest
short_description: Fingerprint a source directory or archive on the controller
version_added: 0.1.0
description:
  - Returns a SHA-256 digest of a directory tree (relative paths, file contents,
    the executable bit and symlink targets) or of a single file (an archive),
    as found on the Ansible controller.
  - The digest changes exactly when the deployed content would change, so a
    deploy of unchanged code can be recognised and skipped (an idempotent
    re-run changes nothing), whatever the files' timestamps.
  - Paths matching O(exclude) are left out of both the digest and, when the
    same list is given to the archiving step, the release.
options:
  _terms:
    description: Paths of directories or files on the controller.
    type: list
    elements: path
    required: true
  exclude:
    description:
      - Shell-style patterns matched against each path relative to the
        directory and against each of its names (C(.git) excludes a C(.git)
        folder at any depth; C(*.pyc) any compiled file).
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Fingerprint the project on the controller
  ansible.builtin.set_fact:
    source_digest: "{{ lookup('deployment.django.source_digest', playbook_dir ~ '/../src', exclude=['.git', '*.pyc']) }}"
"""

RETURN = r"""
_raw:
  description: One hexadecimal SHA-256 digest per term.
  type: list
  elements: str
"""

import fnmatch
import hashlib
import os
import stat

from ansible.errors import AnsibleLookupError
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.plugins.lookup import LookupBase

_CHUNK = 1024 * 1024


def is_excluded(relpath, patterns):
    """True when ``relpath`` or any of its components matches a pattern."""
    parts = relpath.split("/")
    for pattern in patterns:
        if fnmatch.fnmatchcase(relpath, pattern):
            return True
        if any(fnmatch.fnmatchcase(part, pattern) for part in parts):
            return True
    return False


def _hash_file(path, digest):
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(_CHUNK)
            if not chunk:
                break
            digest.update(chunk)


def tree_digest(root, exclude=()):
    """SHA-256 of a directory tree, or of one file, as a hex string."""
    if os.path.isfile(root):
        digest = hashlib.sha256(b"file\0")
        _hash_file(root, digest)
        return digest.hexdigest()
    if not os.path.isdir(root):
        raise AnsibleLookupError("source_digest: %s is neither a directory nor a file" % root)

    digest = hashlib.sha256(b"tree\0")
    for current, dirs, files in os.walk(root, followlinks=False):
        rel_dir = os.path.relpath(current, root)
        rel_dir = "" if rel_dir == "." else rel_dir.replace(os.sep, "/")
        kept = []
        for name in sorted(dirs):
            rel = rel_dir + "/" + name if rel_dir else name
            if is_excluded(rel, exclude):
                continue
            full = os.path.join(current, name)
            if os.path.islink(full):
                # Walked as an entry (a link), never followed.
                files.append(name)
                continue
            kept.append(name)
            digest.update(b"d\0" + to_bytes(rel) + b"\0")
        dirs[:] = kept
        for name in sorted(files):
            rel = rel_dir + "/" + name if rel_dir else name
            if is_excluded(rel, exclude):
                continue
            full = os.path.join(current, name)
            info = os.lstat(full)
            if stat.S_ISLNK(info.st_mode):
                digest.update(b"l\0" + to_bytes(rel) + b"\0" + to_bytes(os.readlink(full)) + b"\0")
            elif stat.S_ISREG(info.st_mode):
                executable = b"x" if info.st_mode & stat.S_IXUSR else b"-"
                digest.update(b"f\0" + to_bytes(rel) + b"\0" + executable + b"\0")
                _hash_file(full, digest)
                digest.update(b"\0")
    return digest.hexdigest()


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        exclude = self.get_option("exclude") or []
        results = []
        for term in terms:
            path = os.path.expanduser(to_text(term))
            if not os.path.exists(path):
                raise AnsibleLookupError("source_digest: %s does not exist on the controller" % path)
            results.append(tree_digest(path, exclude))
        return results
