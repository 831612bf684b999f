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
extends_documentation_fragment:
  - deployment.django.source_exclude
"""

EXAMPLES = r"""
- name: Fingerprint the project on the controller
  ansible.builtin.set_fact:
    source_digest: "{{ lookup('deployment.django.source_digest', playbook_dir ~ '/../src', exclude=['.git', '**/*.pyc']) }}"
"""

RETURN = r"""
_raw:
  description: One hexadecimal SHA-256 digest per term.
  type: list
  elements: str
"""

import os

from ansible.errors import AnsibleLookupError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.lookup import LookupBase
from ansible_collections.deployment.django.plugins.module_utils.source_tree import check_patterns, tree_digest


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        exclude = self.get_option("exclude") or []
        results = []
        try:
            check_patterns(exclude)
            for term in terms:
                path = os.path.expanduser(to_text(term))
                if not os.path.exists(path):
                    raise ValueError("%s does not exist on the controller" % path)
                results.append(tree_digest(path, exclude))
        except ValueError as exc:
            raise AnsibleLookupError("source_digest: %s" % exc)
        return results
