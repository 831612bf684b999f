# -*- coding: utf-8 -*-
# Copyright: deployment.django contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: postgres_url
short_description: Build a PostgreSQL connection URL that survives any password
version_added: 0.1.0
description:
  - Builds C(postgres://user:password@host:port/database?sslmode=...) from its
    parts, percent-encoding the user, the password and the database name
    completely, so that C(@), C(:), C(/), C(?), C(#), C(%), spaces and any other character in a
    password reach the database driver unchanged (as C(dj-database-url),
    C(django-environ) or C(urllib.parse) decode them).
  - IPv6 addresses are put in brackets. Query options are sorted so the same
    input always gives the same URL (and an idempotent environment file).
options:
  _input:
    description:
      - The connection's parts.
      - C(host) (required), C(port) (default 5432), C(database) (required),
        C(user) (required), C(password), C(sslmode) (for example C(require),
        C(verify-full)), C(options) (a mapping of further query parameters,
        such as C(sslrootcert)).
    type: dict
    required: true
  scheme:
    description: URL scheme.
    type: str
    default: postgres
    choices: [postgres, postgresql]
"""

EXAMPLES = r"""
- name: Give the app its database URL
  ansible.builtin.set_fact:
    database_url: >-
      {{ {'host': 'db.internal', 'database': 'mysite', 'user': 'mysite',
          'password': vault_db_password, 'sslmode': 'require'} | deployment.django.postgres_url }}
# p@ss:w/rd?#% becomes p%40ss%3Aw%2Frd%3F%23%25
"""

RETURN = r"""
_value:
  description: The connection URL.
  type: str
  sample: postgres://mysite:p%40ss%3Aw%2Frd@db.internal:5432/mysite?sslmode=require
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.six.moves.urllib.parse import quote, urlencode

_SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
_KNOWN = ("host", "port", "database", "user", "password", "sslmode", "options")


def _part(parts, key, required=False):
    value = parts.get(key)
    if value is None or to_text(value) == "":
        if required:
            raise AnsibleFilterError("postgres_url: '%s' is required" % key)
        return ""
    return to_text(value)


def postgres_url(parts, scheme="postgres"):
    """Return a PostgreSQL URL built from ``parts``, every component encoded."""
    if not isinstance(parts, Mapping):
        raise AnsibleFilterError("postgres_url: expects a mapping of host, port, database, user, password...")
    unknown = sorted(set(parts) - set(_KNOWN))
    if unknown:
        raise AnsibleFilterError("postgres_url: unknown keys %s (known: %s)" % (", ".join(unknown), ", ".join(_KNOWN)))
    if scheme not in ("postgres", "postgresql"):
        raise AnsibleFilterError("postgres_url: scheme must be postgres or postgresql, not %s" % scheme)

    host = _part(parts, "host", required=True)
    user = _part(parts, "user", required=True)
    database = _part(parts, "database", required=True)
    password = _part(parts, "password")
    port = _part(parts, "port") or "5432"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise AnsibleFilterError("postgres_url: port must be a TCP port number, not %s" % port)

    if ":" in host and not host.startswith("["):
        host = "[%s]" % host  # IPv6 literal
    userinfo = quote(user, safe="")
    if password:
        userinfo += ":" + quote(password, safe="")

    query = {}
    options = parts.get("options") or {}
    if not isinstance(options, Mapping):
        raise AnsibleFilterError("postgres_url: options must be a mapping")
    for key, value in options.items():
        query[to_text(key)] = to_text(value)
    sslmode = _part(parts, "sslmode")
    if sslmode:
        if sslmode not in _SSLMODES:
            raise AnsibleFilterError("postgres_url: sslmode must be one of %s, not %s" % (", ".join(_SSLMODES), sslmode))
        query["sslmode"] = sslmode

    url = "%s://%s@%s:%s/%s" % (scheme, userinfo, host, port, quote(database, safe=""))
    if query:
        url += "?" + urlencode(sorted(query.items()))
    return url


class FilterModule(object):
    """PostgreSQL connection filters."""

    def filters(self):
        return {"postgres_url": postgres_url}
