# -*- coding: utf-8 -*-
# Copyright: deployment.django contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: process_units
short_description: The systemd units of an app's background processes and scheduled jobs on one host
version_added: 0.1.0
description:
  - Turns the Procfile-like declarations of long-running processes (a Celery
    worker, a scheduler, C(manage.py process_queue --loop)) and scheduled jobs
    (C(manage.py clearsessions) nightly) into the units one host runs, or an
    error naming the declaration and what was expected.
  - "A command is a string or a list: C(manage.py ...) runs the release's
    C(manage.py) with its virtualenv's Python; any other first word is an
    executable of the release's virtualenv (C(celery -A proj worker)); an
    absolute path is run as it is."
  - "Where a process or job runs (C(hosts)): C(web), every web host (the
    default; every host running the role when the inventory has no web
    group), or the name of an inventory group of worker hosts. With C(once)
    (true by default for jobs) only the first host of those runs it: a
    scheduler must never run twice. C(hosts: one) is short for C(web) with
    C(once). A group with no hosts is refused."
options:
  _input:
    description:
      - The long-running processes, each a dict with C(name), C(command), and optionally C(instances) (1),
        C(stop_signal) (C(TERM)), C(stop_timeout) (seconds, 30), C(environment) ({}), C(hosts) (C(web)) and
        C(once) (false).
    type: list
    elements: dict
    required: true
  schedules:
    description:
      - The scheduled jobs, each a dict with C(name), C(command), C(on_calendar) (a systemd calendar expression),
        and optionally C(randomized_delay) (seconds, 0), C(hosts) (C(web)) and C(once) (true, on one host only).
    type: list
    elements: dict
    default: []
  host:
    description: The host the units are for.
    type: str
    required: true
  groups:
    description: The inventory's groups (C(groups)).
    type: dict
    required: true
  web_group:
    description: The group of web hosts.
    type: str
    default: django_web
  app:
    description: The app's name; unit names start with it.
    type: str
    required: true
  release:
    description: The folder the processes run in, the live release (its C(current) link).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Work out this host's processes
  ansible.builtin.set_fact:
    processes: >-
      {{ app_processes | deployment.django.process_units(schedules=app_schedules, host=inventory_hostname,
                                                         groups=groups, app='blog', release='/srv/blog/current') }}
"""

RETURN = r"""
_value:
  description: This host's units.
  type: dict
  contains:
    services:
      description: The long-running processes this host runs.
      type: list
      elements: dict
    jobs:
      description: The scheduled jobs this host runs.
      type: list
      elements: dict
"""

import re

from ansible.errors import AnsibleFilterError

NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
SIGNALS = ("TERM", "INT", "QUIT", "HUP", "USR1", "USR2", "KILL")
SERVICE_KEYS = {"name", "command", "instances", "stop_signal", "stop_timeout", "environment", "hosts", "once"}
JOB_KEYS = {"name", "command", "on_calendar", "randomized_delay", "hosts", "once"}
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _fail(what, index, item, message):
    name = item.get("name") if isinstance(item, dict) else None
    raise AnsibleFilterError(
        "%s[%d]%s: %s" % (what, index, " (%s)" % name if isinstance(name, str) else "", message)
    )


def command_argv(command, release):
    """The argv of a command run from ``release``."""
    words = command.split() if isinstance(command, str) else list(command)
    if not words or not all(isinstance(word, str) and word for word in words):
        raise ValueError("command must be a non-empty string or list of strings")
    venv_bin = release.rstrip("/") + "/.venv/bin/"
    first = words[0]
    if first == "manage.py":
        return [venv_bin + "python", "manage.py"] + words[1:]
    if first.startswith("/"):
        return words
    if "/" in first:
        raise ValueError("%s is neither manage.py, an executable of the virtualenv nor an absolute path" % first)
    return [venv_bin + first] + words[1:]


def _runs_here(item, once_default, host, groups, web_group, what, index):
    """Whether ``host`` runs the process or job ``item``."""
    where = item.get("hosts", "web")
    once = item.get("once", once_default)
    if not isinstance(once, bool):
        _fail(what, index, item, "once must be true or false")
    if where == "one":
        where, once = "web", True
    if not isinstance(where, str) or not where:
        _fail(what, index, item, "hosts must be web, one or an inventory group")
    if where == "web":
        # A role used alone, in an inventory without a web group: the hosts
        # that run it.
        hosts = list(groups[web_group]) if web_group in groups else [host]
        if not hosts:
            _fail(what, index, item, "it runs on the web hosts (group %s), which has no hosts" % web_group)
    elif where in groups:
        hosts = list(groups[where])
        if not hosts:
            _fail(what, index, item, "hosts names the group %s, which has no hosts" % where)
    else:
        _fail(what, index, item, "hosts must be web, one or an inventory group; there is no group %s" % where)
    return host in (hosts[:1] if once else hosts), once


def process_units(services, schedules=None, host=None, groups=None, web_group="django_web", app=None, release=None):
    if not isinstance(services, list):
        raise AnsibleFilterError("app_processes must be a list of processes; got %s" % type(services).__name__)
    schedules = schedules or []
    if not isinstance(schedules, list):
        raise AnsibleFilterError("app_schedules must be a list of jobs; got %s" % type(schedules).__name__)
    groups = groups or {}
    names = set()
    result = {"services": [], "jobs": []}
    for what, items, keys in (("app_processes", services, SERVICE_KEYS), ("app_schedules", schedules, JOB_KEYS)):
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                _fail(what, index, item, "each entry must be a mapping with name and command")
            unknown = sorted(set(item) - keys)
            if unknown:
                _fail(what, index, item, "unknown keys %s; expected some of %s" % (", ".join(unknown), ", ".join(sorted(keys))))
            name = item.get("name")
            if not isinstance(name, str) or not NAME.match(name):
                _fail(what, index, item, "name must be a short lower-case name (letters, digits, '-', '_')")
            if name in names:
                _fail(what, index, item, "the name %s is used twice: every process and job needs its own" % name)
            names.add(name)
            try:
                argv = command_argv(item.get("command"), release)
            except (TypeError, ValueError) as exc:
                _fail(what, index, item, str(exc))
            if what == "app_processes":
                entry = _service(item, argv, what, index, host, groups, web_group, app)
                if entry:
                    result["services"].append(entry)
            else:
                entry = _job(item, argv, what, index, host, groups, web_group, app)
                if entry:
                    result["jobs"].append(entry)
    return result


def _whole(value, what, index, item, key, least):
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        _fail(what, index, item, "%s must be a whole number of at least %d; got %r" % (key, least, value))
    return value


def _service(item, argv, what, index, host, groups, web_group, app):
    instances = _whole(item.get("instances", 1), what, index, item, "instances", 1)
    stop_timeout = _whole(item.get("stop_timeout", 30), what, index, item, "stop_timeout", 1)
    signal = str(item.get("stop_signal", "TERM")).upper().replace("SIG", "", 1)
    if signal not in SIGNALS:
        _fail(what, index, item, "stop_signal must be one of %s; got %r" % (", ".join(SIGNALS), item.get("stop_signal")))
    environment = item.get("environment", {})
    if not isinstance(environment, dict) or not all(isinstance(k, str) and ENV_NAME.match(k) for k in environment):
        _fail(what, index, item, "environment must map variable names to values")
    here, once = _runs_here(item, False, host, groups, web_group, what, index)
    if once and instances != 1:
        _fail(what, index, item, "a process on one host (once, or hosts: one) runs one instance; got instances: %d" % instances)
    if not here:
        return None
    return {
        "name": item["name"],
        "unit": "%s-%s" % (app, item["name"]),
        "argv": argv,
        "instances": list(range(1, instances + 1)),
        "stop_signal": "SIG" + signal,
        "stop_timeout": stop_timeout,
        "environment": dict((k, str(v)) for k, v in environment.items()),
    }


def _job(item, argv, what, index, host, groups, web_group, app):
    calendar = item.get("on_calendar")
    if not isinstance(calendar, str) or not calendar.strip():
        _fail(what, index, item, "on_calendar must be a systemd calendar expression, e.g. daily or *-*-* 03:00:00")
    delay = _whole(item.get("randomized_delay", 0), what, index, item, "randomized_delay", 0)
    if not _runs_here(item, True, host, groups, web_group, what, index)[0]:
        return None
    return {
        "name": item["name"],
        "unit": "%s-%s" % (app, item["name"]),
        "argv": argv,
        "on_calendar": calendar.strip(),
        "randomized_delay": delay,
    }


def process_unit_files(units, unit_dir="/etc/systemd/system"):
    """The unit files a host's units (process_units' result) consist of."""
    files = ["%s/%s@.service" % (unit_dir, service["unit"]) for service in units.get("services", [])]
    for job in units.get("jobs", []):
        files += ["%s/%s.service" % (unit_dir, job["unit"]), "%s/%s.timer" % (unit_dir, job["unit"])]
    return files


def process_instances(units):
    """The service instances a host's units (process_units' result) run."""
    return ["%s@%d.service" % (service["unit"], n) for service in units.get("services", []) for n in service["instances"]]


class FilterModule(object):
    def filters(self):
        return {"process_units": process_units, "process_unit_files": process_unit_files, "process_instances": process_instances}
