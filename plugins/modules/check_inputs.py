#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: deployment.django contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: check_inputs
short_description: Check many inputs in one step and name every one that is wrong
version_added: 0.1.0
description:
  - Evaluates a list of checks on the controller, each a list of conditions
    written as in M(ansible.builtin.assert), with the message that names its
    variable and what was expected.
  - Every check is evaluated, not only up to the first that fails, so a run
    with several wrong inputs names them all at once; the task fails when any
    check fails.
  - One task stands for what would otherwise be one assert task per input
    (a role's inputs are checked in one step instead of a dozen).
  - A condition that cannot be evaluated (an undefined variable, a filter's
    error) fails its check, with the check's message and the reason.
  - Runs on the controller only and changes nothing.
  - Given O(argument_spec), also validates the role's variables against it.
options:
  checks:
    description: The checks, in order.
    type: list
    elements: dict
    required: true
    suboptions:
      that:
        description:
          - Conditions (Jinja2 expressions without braces), all of which must
            hold. A single string is one condition.
        type: list
        elements: str
        required: true
      msg:
        description:
          - What is wrong when a condition does not hold; name the variable
            and what was expected. Never put a secret's value here.
        type: str
        required: true
      when:
        description:
          - Conditions under which the check applies; a check whose C(when)
            does not hold is skipped.
        type: list
        elements: str
  argument_spec:
    description:
      - A role's options, as an entry point of its C(meta/argument_specs.yml)
        lists them. The variables they name are validated against them in the
        same step, as ansible-core validates a role's arguments before the
        entry point runs. Its errors are the failures when every check passes
        (a check names its variable better, and a value is named once).
      - A playbook that ran it may include the role with
        C(rolespec_validate=false), the same values checked once.
    type: dict
attributes:
  check_mode:
    description: Runs the same in check mode; it never changes anything.
    support: full
  diff_mode:
    description: Shows no diff.
    support: none
  action:
    description: Runs on the controller as an action plugin; no module is sent to the host.
    support: full
author:
  - deployment.django contributors (@deployment-django)
notes:
  - A message is templated only when its check fails. It is shown because a
    value is wrong, so every value it shows must be guarded, with
    C(| default('')) or C(if ... is mapping else []); a message that cannot
    be rendered is shown as written, with the reason.
"""

EXAMPLES = r"""
- name: Check the gunicorn inputs
  deployment.django.check_inputs:
    checks:
      - that: gunicorn_workers | string is match('^[0-9]+$')
        msg: "gunicorn_workers must be a whole number; got {{ gunicorn_workers | string | to_json }}."
      - that:
          - gunicorn_socket_path is string
          - gunicorn_socket_path is match('^/')
        msg: "gunicorn_socket_path must be an absolute path; got {{ gunicorn_socket_path | string | to_json }}."
"""

RETURN = r"""
checked:
  description: How many checks were given.
  returned: always
  type: int
  sample: 12
failures:
  description: The message of every check that failed, in order.
  returned: failure
  type: list
  elements: str
  sample: ["gunicorn_workers must be a whole number; got \"many\"."]
msg:
  description: The failed checks' messages, or how many checks passed.
  returned: always
  type: str
"""
