# -*- coding: utf-8 -*-
# Copyright: deployment.django contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: env_quote
short_description: Quote a value for a systemd EnvironmentFile (and a POSIX shell)
version_added: 0.1.0
description:
  - Wraps a value in double quotes and escapes the four characters that are
    special inside double quotes for both systemd's C(EnvironmentFile=) parser
    and a POSIX shell, namely backslash, double quote, dollar and backtick.
  - The same line therefore reads back to the exact original value in a
    systemd unit, in C(systemd-run -p EnvironmentFile=...) and in C(set -a; . file).
  - Booleans become C(true)/C(false) and numbers their decimal text; C(None)
    becomes an empty string. Mappings and lists are refused, since an
    environment variable holds text only.
options:
  _input:
    description: The value to quote.
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Write an environment file
  ansible.builtin.copy:
    dest: /etc/app/app.env
    content: |
      {% for name, value in app_env | dictsort %}
      {{ name }}={{ value | deployment.django.env_quote }}
      {% endfor %}
    mode: "0640"
  no_log: true
"""

RETURN = r"""
_value:
  description: The value, double-quoted and escaped.
  type: str
  sample: '"pa\$\$word with \"quotes\""'
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.six import string_types

_ESCAPED = ("\\", '"', "$", "`")


def env_quote(value):
    """Return ``value`` as a double-quoted, escaped environment file value."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float)):
        text = to_text(value)
    elif isinstance(value, string_types):
        text = to_text(value)
    elif isinstance(value, (Mapping, list, tuple, set)):
        raise AnsibleFilterError(
            "env_quote: an environment variable holds text, not a %s" % type(value).__name__
        )
    else:
        text = to_text(value)
    if "\x00" in text:
        raise AnsibleFilterError("env_quote: a NUL character cannot be stored in an environment variable")
    for char in _ESCAPED:
        text = text.replace(char, "\\" + char)
    return '"%s"' % text


class FilterModule(object):
    """Environment file filters."""

    def filters(self):
        return {"env_quote": env_quote}
