# -*- coding: utf-8 -*-
# Copyright: deployment.django contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: source_pack
short_description: Pack what a source directory on the controller ships
version_added: 0.1.0
description:
  - Writes a gzip-compressed tar archive of a directory on the controller,
    holding exactly the paths P(deployment.django.source_files#lookup) lists
    with the same O(exclude), namely folders, files with their modes, and
    symbolic links as links, and returns the archive's path.
  - The archive is written in a new private temporary folder on the
    controller, in the lookup's own process (no task, no command). The caller
    removes that folder, the archive path's dirname, when the archive is
    copied.
  - Given O(inline_max), it returns a dictionary, and an archive of at most
    that many bytes comes inline, as base64 text that a module call can carry
    to the host, with no file left on the controller.
options:
  _terms:
    description: One directory on the controller.
    type: list
    elements: path
    required: true
  inline_max:
    description:
      - The largest archive, in bytes, returned inline; V(0) returns none inline.
      - When set, the lookup returns a dictionary, not a path (see RV(_raw)).
    type: int
extends_documentation_fragment:
  - deployment.django.source_exclude
"""

EXAMPLES = r"""
- name: Pack the project, without what is excluded
  ansible.builtin.set_fact:
    packed: "{{ lookup('deployment.django.source_pack', project_dir, exclude=['.git', '**/__pycache__']) }}"

- name: Copy and unpack it on the host
  ansible.builtin.unarchive:
    src: "{{ packed }}"
    dest: /srv/app/release

- name: A small project travels inline, in the arguments of a module call
  ansible.builtin.set_fact:
    packed: "{{ lookup('deployment.django.source_pack', project_dir, inline_max=1048576) }}"
"""

RETURN = r"""
_raw:
  description:
    - The path of the archive, C(release.tar.gz) in a new temporary folder.
    - With O(inline_max), a dictionary instead. C(content) holds the
      archive as base64 text when it is at most O(inline_max) bytes, with
      C(path) empty and no file left. Otherwise C(content) is empty and
      C(path) is the archive's path, as above.
  type: list
  elements: raw
"""

import base64
import os
import shutil
import tarfile
import tempfile

from ansible.errors import AnsibleLookupError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.lookup import LookupBase
from ansible_collections.deployment.django.plugins.module_utils.source_tree import one_directory, pack


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        exclude = self.get_option("exclude") or []
        try:
            path = one_directory([to_text(term) for term in terms], exclude)
        except ValueError as exc:
            raise AnsibleLookupError("source_pack: %s" % exc)
        inline_max = self.get_option("inline_max")
        folder = tempfile.mkdtemp(prefix="deployment-django-")
        try:
            archive = pack(path, os.path.join(folder, "release.tar.gz"), exclude)
            if inline_max is None:
                return [archive]
            if os.path.getsize(archive) > inline_max:
                return [dict(content="", path=archive)]
            with open(archive, "rb") as handle:
                content = to_text(base64.b64encode(handle.read()))
            shutil.rmtree(folder)
            return [dict(content=content, path="")]
        except (OSError, tarfile.TarError) as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise AnsibleLookupError("source_pack: could not pack %s: %s" % (path, to_text(exc)))
