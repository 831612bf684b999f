# -*- coding: utf-8 -*-
# Copyright: deployment.django contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: failure_cause
short_description: The cause of a failed task, in the failing command's own words
version_added: 0.1.0
description:
  - Turns a failed task's result (C(ansible_failed_result) in a C(rescue)) into
    one line a person can act on, for the Cause of a deploy's failure message.
  - Ansible's own summaries (C(non-zero return code), C(One or more items
    failed), C(MODULE FAILURE)) say nothing, so the command's last lines of
    standard error are used instead, or of standard output when the tool
    writes its reason there (Django's C(migrate) and C(check) do).
  - For a loop, the first failed item is described, named by its label.
options:
  _input:
    description: A task result, usually C(ansible_failed_result).
    type: dict
    required: true
  lines:
    description: How many last lines of the command's output to keep.
    type: int
    default: 5
"""

EXAMPLES = r"""
- name: Stop the deploy
  ansible.builtin.fail:
    msg: "Release failed. Cause: {{ ansible_failed_result | deployment.django.failure_cause }}"
"""

RETURN = r"""
_value:
  description: The cause, on one line (the output's lines joined by C( | )).
  type: str
  sample: "manage.py load_photos: CommandError: fixtures/media/tower.png does not exist"
"""

from collections.abc import Mapping

from ansible.module_utils.common.text.converters import to_text

# What Ansible says when it has nothing to say.
_GENERIC = (
    "non-zero return code",
    "one or more items failed",
    "module failure",
    "see stdout/stderr for the exact error",
    "all items completed",
)
_LIMIT = 2000


def _is_generic(msg):
    lowered = msg.strip().lower()
    return not lowered or any(lowered.startswith(text) for text in _GENERIC)


def _tail(text, lines):
    kept = [line.strip() for line in to_text(text or "").splitlines() if line.strip()]
    return " | ".join(kept[-lines:])


def _item_label(item):
    label = item.get("_ansible_item_label", item.get("item"))
    if isinstance(label, Mapping):
        label = label.get("name", label.get("label", label))
    if isinstance(label, (list, tuple)):
        label = " ".join(to_text(part) for part in label)
    return to_text(label) if label is not None else ""


def failure_cause(result, lines=5):
    """One line that says why ``result`` failed."""
    if not isinstance(result, Mapping):
        return to_text(result or "unknown")
    items = result.get("results")
    if isinstance(items, list):
        failed = [item for item in items if isinstance(item, Mapping) and item.get("failed")]
        if failed:
            label = _item_label(failed[0])
            cause = failure_cause(failed[0], lines)
            return ("%s: %s" % (label, cause)) if label else cause
    msg = to_text(result.get("msg") or "")
    if result.get("url") and isinstance(result.get("status"), int) and result["status"] > 0:
        # An HTTP answer (uri): what was asked and what came back.
        location = result.get("location")
        return "%s answered %s%s" % (result["url"], result["status"], (" to " + to_text(location)) if location else "")
    output = _tail(result.get("stderr") or result.get("module_stderr"), lines) or _tail(
        result.get("stdout") or result.get("module_stdout"), lines
    )
    if _is_generic(msg):
        cause = output or msg.strip() or "unknown (the task gave no message)"
    elif output and output not in msg:
        cause = "%s | %s" % (msg.strip(), output)
    else:
        cause = msg.strip()
    if result.get("rc") not in (None, 0) and "exit " not in cause:
        cause = "%s (exit %s)" % (cause, result.get("rc"))
    return cause if len(cause) <= _LIMIT else cause[: _LIMIT - 3] + "..."


class FilterModule(object):
    """Failure message filters."""

    def filters(self):
        return {"failure_cause": failure_cause}
