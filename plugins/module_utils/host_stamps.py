# -*- coding: utf-8 -*-
# Copyright: deployment.django contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a role's stamp says of the host, from a survey of every stamp.

The host_stamp module answers one role's question in one call. A site run
asks every set-up role in turn; the module's ``survey`` state instead reads
every stamp of a host once, observes what each recorded, and returns, per
stamp, its recorded digest, the items it lists and what differs on the
host now. :func:`answer` then tells a role, on the controller, what its own
call would have told it: the same ``current`` and ``differences``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

SECTIONS = ("files", "present", "services", "packages", "users", "groups")


def item(section):
    """What one entry of SECTION is called in a difference: file, present, service..."""
    return section if section == "present" else section[:-1]


def listed(stamp):
    """The names a stamp's spec lists, section by section, sorted."""
    return dict((section, sorted(set(stamp.get(section) or []))) for section in SECTIONS)


def answer(survey, stamp):
    """The answer the host_stamp module's ``check`` would give for STAMP (a
    role's spec: path, digest and the items it lists), read from SURVEY
    (the module's ``survey`` result, with ``stamps`` by path). None when
    there is no survey to read from."""
    if not isinstance(survey, dict) or not isinstance(survey.get("stamps"), dict):
        return None
    entry = survey["stamps"].get(stamp["path"])
    if entry is None:
        return dict(changed=False, current=False, differences=["no record of an earlier run"], surveyed=True)
    found = list(entry.get("differences", []))
    if entry.get("digest") != stamp.get("digest", ""):
        found.append("the role's inputs changed")
    wanted, recorded = listed(stamp), entry.get("listed", {})
    for section in SECTIONS:
        now, before = set(wanted[section]), set(recorded.get(section, []))
        found.extend("%s %s was not recorded" % (item(section), name) for name in sorted(now - before))
        found.extend("%s %s is no longer listed" % (item(section), name) for name in sorted(before - now))
    return dict(changed=False, current=not found, differences=found, surveyed=True)
