# -*- coding: utf-8 -*-
# Copyright: deployment.django contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The exclude option shared by the lookups that read a folder source."""

    DOCUMENTATION = r"""
options:
  exclude:
    description:
      - Patterns matched against each path relative to the directory's top,
        with C(/) between names. C(media) is the top-level C(media) only
        (C(app/fixtures/media) is kept); C(*), C(?) and C([...]) match within
        one name; a leading C(**/) matches at any depth (C(**/__pycache__),
        C(**/*.pyc)). Excluding a folder excludes everything in it.
      - A pattern with a C(..) or a C(**) of its own is refused.
    type: list
    elements: str
    default: []
"""
