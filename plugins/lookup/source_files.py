# -*- coding: utf-8 -*-
# Copyright: deployment.django contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: source_files
short_description: List what a source directory on the controller ships
version_added: 0.1.0
description:
  - Returns every path below a directory on the controller, relative to it,
    that is not excluded, namely folders (so that empty ones ship too), files and
    symbolic links (listed, never followed), in a stable order.
  - The list is exactly what P(deployment.django.source_digest#lookup) fingerprints
    with the same O(exclude), so the files packed into a release are the files
    that decided whether a release was needed.
options:
  _terms:
    description: One directory on the controller.
    type: list
    elements: path
    required: true
extends_documentation_fragment:
  - deployment.django.source_exclude
"""

EXAMPLES = r"""
- name: Pack the project without what is excluded
  ansible.builtin.copy:
    content: "{{ query('deployment.django.source_files', project_dir, exclude=['.git', '**/__pycache__']) | join('\n') }}"
    dest: /tmp/files.txt
    mode: "0600"
  delegate_to: localhost
"""

RETURN = r"""
_raw:
  description: Relative paths, folders before what they hold.
  type: list
  elements: str
"""

from ansible.errors import AnsibleLookupError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.lookup import LookupBase
from ansible_collections.deployment.django.plugins.module_utils.source_tree import file_list, one_directory


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        exclude = self.get_option("exclude") or []
        try:
            return file_list(one_directory([to_text(term) for term in terms], exclude), exclude)
        except ValueError as exc:
            raise AnsibleLookupError("source_files: %s" % exc)
