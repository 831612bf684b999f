# -*- coding: utf-8 -*-
# Copyright: deployment.django contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: healthy_answer
short_description: Whether an HTTP answer proves a release healthy
version_added: 0.1.0
description:
  - Tests the result of an M(ansible.builtin.uri) request made with
    C(follow_redirects=none), as a release's health check.
  - Healthy when the status is one of O(statuses); or, with O(redirects) on,
    when it is a redirect (301, 302, 303, 307, 308) that stays on the same
    site, namely a relative C(Location) (C(/accounts/login/?next=/)) or one
    naming the host that was asked (O(host), the C(Host) header, or the host
    of the URL requested, which the uri module uses to make a relative
    C(Location) absolute), on any scheme or port. Many projects answer their
    home page with a redirect to a login page.
  - A redirect to another site (a single sign-on server, a parked domain) is
    not taken as healthy unless its status is listed in O(statuses).
options:
  _input:
    description: The registered result of the request.
    type: dict
    required: true
  statuses:
    description: The statuses that are healthy as they are.
    type: list
    elements: int
    default: [200]
  host:
    description: The host name the request was sent for (its C(Host) header).
    type: str
    default: ""
  redirects:
    description: Whether a redirect within the same site is healthy.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Ask the app for its home page
  ansible.builtin.uri:
    url: http://localhost/
    follow_redirects: none
    status_code: [200, 301, 302, 303, 307, 308]
  register: answer
  until: answer is deployment.django.healthy_answer([200], 'localhost')
  retries: 10
"""

RETURN = r"""
_value:
  description: Whether the answer is healthy.
  type: bool
"""

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit

REDIRECTS = (301, 302, 303, 307, 308)


def _status(result):
    try:
        return int(result.get("status", -1))
    except (TypeError, ValueError):
        return -1


def _hostname(host):
    return host.rsplit(":", 1)[0].strip("[]").lower() if host.count(":") == 1 or host.startswith("[") else host.lower()


def same_site(location, hosts):
    """True when LOCATION stays on one of HOSTS (relative, or naming it)."""
    if not location:
        return False
    parts = urlsplit(location.strip())
    if not parts.netloc:
        # Relative: "/login/", "login/", "?next=/". "//elsewhere" has a netloc.
        return not parts.scheme
    names = {_hostname(host) for host in hosts if host}
    return (parts.hostname or "").lower() in names


def healthy_answer(result, statuses=(200,), host="", redirects=True):
    """Whether RESULT (a uri result) proves a release healthy."""
    if not isinstance(result, dict):
        return False
    status = _status(result)
    if status in [int(s) for s in statuses]:
        return True
    if redirects and status in REDIRECTS:
        asked = urlsplit(str(result.get("url") or "")).hostname or ""
        return same_site(str(result.get("location") or ""), [host, asked])
    return False


class TestModule(object):
    """Health check tests."""

    def tests(self):
        return {"healthy_answer": healthy_answer}
