# -*- coding: utf-8 -*-
# Copyright: deployment.django contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check many inputs in one controller step (see the module's documentation).

The conditions are evaluated as ansible.builtin.assert evaluates its
``that``; unlike it, every check runs, and the result names each one that
failed.

Given a role's argument spec, the same step validates the role's
variables against it, as ansible-core does before a role's entry point
runs (the role's own validation can then be left out where this ran);
its errors are reported when every check passes, since the checks name
their variables better.

A message is templated only when its check fails: the checks of a role
are read on every run, and their messages (which show the wrong values
through filters) would otherwise be rendered each time for nothing.
ansible-core renders a task's arguments before the action runs unless the
action says how to finalize them (``finalize_task_arg``, as its own assert
does for ``that``); this action keeps the checks as written and templates
what it needs itself.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.six import string_types
from ansible.plugins.action import ActionBase
from ansible.template import is_trusted_as_template, trust_as_template


def conditions(value):
    """A check's ``that`` or ``when`` as a list of expressions."""
    if value is None:
        return []
    if isinstance(value, string_types):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(item, string_types) for item in value):
        return list(value)
    raise TypeError("a condition or a list of conditions is required")


def bad_check(index, check):
    """Why CHECK (the INDEX-th) is malformed, or None."""
    if not isinstance(check, dict):
        return "checks[%d] must be a mapping with that and msg" % index
    unknown = sorted(set(check) - {"that", "msg", "when"})
    if unknown:
        return "checks[%d] has unknown keys %s (known: that, msg, when)" % (index, ", ".join(unknown))
    # A message may be empty once templated (one that lists what is wrong,
    # when nothing is); it is only shown when its check fails.
    if "that" not in check or "msg" not in check or not isinstance(check["msg"], (string_types, type(None))):
        return "checks[%d] needs that and msg" % index
    try:
        conditions(check["that"])
        conditions(check.get("when"))
    except TypeError as error:
        return "checks[%d]: %s" % (index, error)
    return None


def _all_true(expressions):
    """Jinja: every expression is exactly true, in order, stopping at the
    first that is not (as all() over evaluate_conditional stops)."""
    return " and ".join("((%s) is sameas true)" % e for e in expressions) or "true"


def _skipped(expressions):
    """Jinja: the when-conditions stop a check cleanly: the first that is not
    true is exactly false."""
    if not expressions:
        return "false"
    first = expressions[0]
    return "((%s) is sameas false) or (((%s) is sameas true) and (%s))" % (first, first, _skipped(expressions[1:]))


def all_pass_expression(checks):
    """One Jinja expression whose value is a list with one item per check:
    true when the check holds or its when-conditions skip it. Each
    condition counts only when it is exactly true or false, so any other
    value (or an error) leaves the check to the exact evaluation, one
    condition at a time, that names what failed."""
    items = []
    for check in checks:
        when, that = conditions(check.get("when")), conditions(check["that"])
        items.append("((%s) and (%s)) or (%s)" % (_all_true(when), _all_true(that), _skipped(when)))
    return "[%s]" % ", ".join("(%s)" % item for item in items)


def summary(failures):
    """One message for the failed checks: alone, or numbered."""
    if len(failures) == 1:
        return failures[0]
    return "%d inputs are wrong: %s" % (len(failures), " ".join("(%d) %s" % (n, text) for n, text in enumerate(failures, 1)))


class ActionModule(ActionBase):
    """Evaluate every check; fail naming each one that failed."""

    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(("checks", "argument_spec"))

    @classmethod
    def finalize_task_arg(cls, name, value, templar, context):
        """Keep a literal list of checks as written: its conditions are
        evaluated one by one in run(), its messages rendered only for the
        checks that fail. A list given by a template is rendered whole."""
        if name != "checks" or not isinstance(value, list):
            return super(ActionModule, cls).finalize_task_arg(name, value, templar, context)
        return value

    def _all_pass(self, checks):
        """Whether every check holds, found in one template: each variable
        the checks share is rendered once, where a condition at a time
        renders it again for each. Anything else than all true (a check
        that fails, an error, a condition that is not a playbook's own
        expression) sends the checks to the exact evaluation."""
        every = [c for check in checks for c in conditions(check["that"]) + conditions(check.get("when"))]
        if not all(is_trusted_as_template(c) for c in every):
            return False
        try:
            found = self._templar.evaluate_expression(trust_as_template(all_pass_expression(checks)))
        except Exception:  # pylint: disable=broad-except
            # Whatever the reason, the exact evaluation finds and names it.
            return False
        return isinstance(found, list) and len(found) == len(checks) and all(item is True for item in found)

    def _message(self, index, check):
        """The check's message, rendered; or what it says without templating
        when rendering fails, with the reason."""
        raw = check["msg"]
        if not raw:
            return ""
        try:
            rendered = self._templar.template(raw)
        except AnsibleError as error:
            return "%s (its message could not be rendered: %s)" % (raw, error)
        return rendered if isinstance(rendered, string_types) else str(rendered)

    def _spec_errors(self, spec, task_vars):
        """What the role's argument spec finds wrong in the variables it
        names, as a role's own validation would say it. A variable that
        cannot be rendered is left to the checks, which name it."""
        values = {}
        for name in spec:
            if name not in task_vars:
                continue
            try:
                values[name] = self._templar.template(task_vars[name])
            except AnsibleError:
                continue
        found = ArgumentSpecValidator(spec).validate(values, validate_role_argument_spec=True)
        return ["Validation of arguments failed: %s" % error for error in found.error_messages]

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        checks = self._task.args.get("checks")
        if not isinstance(checks, list) or not checks:
            return dict(result, failed=True, msg="checks must be a non-empty list of {that, msg} mappings")
        for index, check in enumerate(checks):
            problem = bad_check(index, check)
            if problem:
                return dict(result, failed=True, msg=problem)
        spec = self._task.args.get("argument_spec") or {}
        if not isinstance(spec, dict):
            return dict(result, failed=True, msg="argument_spec must be a mapping of a role's options")

        result.update(changed=False, checked=len(checks))
        # The spec's errors count when every check passes: a check names
        # its variable and what is expected better, and a wrong value would
        # otherwise be named twice.
        if self._all_pass(checks):
            failures = self._spec_errors(spec, task_vars or {}) if spec else []
            if not failures:
                result["msg"] = "%d checks passed" % len(checks)
                return result
            result.update(failed=True, failures=failures, msg=summary(failures))
            return result

        failures = []
        for index, check in enumerate(checks):
            try:
                if not all(self._templar.evaluate_conditional(c) for c in conditions(check.get("when"))):
                    continue
                holds = all(self._templar.evaluate_conditional(c) for c in conditions(check["that"]))
                reason = None
            except AnsibleError as error:
                holds, reason = False, error
            if holds:
                continue
            message = self._message(index, check).strip() or "checks[%d] failed: %s" % (index, " and ".join(conditions(check["that"])))
            failures.append(message if reason is None else "%s (the check could not be evaluated: %s)" % (message, reason))

        if failures:
            result.update(failed=True, failures=failures, msg=summary(failures))
        else:
            result["msg"] = "%d checks passed" % len(checks)
        return result
