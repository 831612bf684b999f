# -*- coding: utf-8 -*-
# Copyright: deployment.django contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: stamp_answer
short_description: A role's stamp answer, read from a survey of every stamp of the host
version_added: 0.1.0
description:
  - The site playbook surveys every stamp of a host in one call
    (M(deployment.django.host_stamp) with C(state=survey)); a role then
    reads its own answer from that survey on the controller instead of
    asking the host.
  - The answer is what C(state=check) would give at the survey's time,
    C(current) and C(differences), with C(surveyed) true. It is none when
    the input is not a survey, and the role asks the host itself.
options:
  _input:
    description: The survey (the module's result, with C(stamps)); anything else gives none.
    type: raw
    required: true
  stamp:
    description: The role's stamp, as it would pass it to the module (C(path), C(digest) and the items it lists).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Take the answer from the survey
  ansible.builtin.set_fact:
    stamp: "{{ survey | deployment.django.stamp_answer(role_stamp) }}"
"""

RETURN = r"""
_value:
  description: C(current), C(differences) and C(surveyed); or none without a survey.
  type: dict
"""

from ansible_collections.deployment.django.plugins.module_utils.host_stamps import answer


def stamp_answer(survey, stamp):
    """The role's answer from SURVEY, or None."""
    return answer(survey, stamp)


class FilterModule(object):
    """Stamp filters."""

    def filters(self):
        return {"stamp_answer": stamp_answer}
