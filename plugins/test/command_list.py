# -*- coding: utf-8 -*-
# Copyright: deployment.django contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: command_list
short_description: Whether a value is a list of management commands
version_added: 0.1.0
description:
  - True for a list whose every item is a string of C(manage.py) arguments
    (V(loaddata pages)) or a mapping with a C(command) key (a once-only
    command's V({name, command, environment}) form).
  - False for a string, a mapping, a number, or a list holding anything else,
    so that a single command written without its list is refused rather than
    run letter by letter.
options:
  _input:
    description: The value to test.
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Check the commands run after each migration
  ansible.builtin.assert:
    that: django_release_post_migrate_commands is deployment.django.command_list
"""

RETURN = r"""
_value:
  description: Whether the value is a list of commands.
  type: bool
"""

from ansible.module_utils.six import string_types
from ansible.module_utils.six.moves.collections_abc import Mapping, Sequence


def command_list(value):
    """Whether VALUE is a list of strings or of mappings with a command."""
    if isinstance(value, (string_types, bytes, Mapping)) or not isinstance(value, Sequence):
        return False
    return all(isinstance(item, string_types) or (isinstance(item, Mapping) and "command" in item) for item in value)


class TestModule(object):
    """Management command tests."""

    def tests(self):
        return {"command_list": command_list}
