# -*- coding: utf-8 -*-
# Copyright: deployment.django contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: app_layout
short_description: Where an app lives on a host, worked out in one place for every role
version_added: 0.1.0
description:
  - Gives the folders, the environment file, the service and the socket of an
    app from its name, so that C(python_app), C(gunicorn), C(nginx_static) and
    C(django_release) agree on them without being told each path.
  - Every role's defaults call it with the collection-wide inputs C(app_home),
    C(app_service_name) and C(app_env_file), so a user who moves the home or
    renames the service says it once.
  - "The layout: C(home) (default C(/srv/<name>)) holding C(releases),
    C(current), C(shared) and C(venvs); the environment file C(env_file)
    (default C(/etc/<name>/<name>.env)); the service C(service) (default
    C(gunicorn-<name>)) listening on C(socket), C(/run/<service>/gunicorn.sock)."
options:
  _input:
    description: The app's name (its account and group are named alike).
    type: str
    required: true
  home:
    description: The app's home; empty for C(/srv/<name>).
    type: path
    default: ""
  service:
    description: Name of the gunicorn units; empty for C(gunicorn-<name>).
    type: str
    default: ""
  env_file:
    description: The environment file every process of the app reads; empty for C(/etc/<name>/<name>.env).
    type: path
    default: ""
"""

EXAMPLES = r"""
- name: Show where the app lives
  ansible.builtin.debug:
    msg: "{{ 'blog' | deployment.django.app_layout(service='blog-web') }}"
# {"name": "blog", "home": "/srv/blog", "current": "/srv/blog/current",
#  "service": "blog-web", "socket": "/run/blog-web/gunicorn.sock", ...}
"""

RETURN = r"""
_value:
  description: The layout.
  type: dict
  contains:
    name: {description: The app's name., type: str}
    user: {description: The account the app runs as., type: str}
    group: {description: The app's group., type: str}
    home: {description: The app's home., type: str}
    releases: {description: One folder per release., type: str}
    current: {description: The link to the live release., type: str}
    shared: {description: What outlives releases (uploads)., type: str}
    venvs: {description: The virtualenvs releases share., type: str}
    env_file: {description: The environment file., type: str}
    service: {description: The gunicorn service (and socket) unit's name., type: str}
    socket: {description: The unix socket gunicorn listens on., type: str}
"""

import posixpath
import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.six import string_types

_UNIT = re.compile(r"^[A-Za-z0-9:_.\\-]+$")


def _text(value, what):
    if value is None:
        return ""
    if not isinstance(value, string_types):
        raise AnsibleFilterError("app_layout: %s must be a string, got %r" % (what, value))
    return value.strip()


def _absolute(value, what):
    if value and (not value.startswith("/") or posixpath.normpath(value) != value.rstrip("/") or value == "/"):
        raise AnsibleFilterError("app_layout: %s must be an absolute, normalised path other than /, got %r" % (what, value))
    return value.rstrip("/")


def app_layout(name, home="", service="", env_file=""):
    """Return the layout of app ``name``, with the given parts moved."""
    name = _text(name, "the app name")
    home = _absolute(_text(home, "home (app_home)"), "home (app_home)") or "/srv/%s" % name
    env_file = _absolute(_text(env_file, "env_file (app_env_file)"), "env_file (app_env_file)") or "/etc/%s/%s.env" % (name, name)
    service = _text(service, "service (app_service_name)") or "gunicorn-%s" % name
    if not _UNIT.match(service):
        raise AnsibleFilterError("app_layout: service (app_service_name) must be a systemd unit name (letters, digits, ':_.-'), got %r" % service)
    return {
        "name": name,
        "user": name,
        "group": name,
        "home": home,
        "releases": home + "/releases",
        "current": home + "/current",
        "shared": home + "/shared",
        "venvs": home + "/venvs",
        "env_file": env_file,
        "service": service,
        "socket": "/run/%s/gunicorn.sock" % service,
    }


class FilterModule(object):
    """The app's layout on a host."""

    def filters(self):
        return {"app_layout": app_layout}
