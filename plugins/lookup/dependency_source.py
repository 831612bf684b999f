# -*- coding: utf-8 -*-
# Copyright: deployment.django contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: dependency_source
short_description: Where a project on the controller takes its dependencies from, and whether its uv.lock is current
version_added: 0.1.0
description:
  - Looks at the top of a project directory on the controller and says which
    file its virtualenv is built from, C(uv.lock), C(poetry.lock) (each with
    C(pyproject.toml)) or the requirements file, by the same rule the release
    applies on the host.
  - For C(uv.lock), also compares the project's dependencies and
    C(requires-python) in C(pyproject.toml) with what the lockfile was made
    from, so that a lockfile left behind by an edit of C(pyproject.toml) is
    refused before any host changes. Markers are not compared (uv rewrites
    them); C(uv sync --locked) on the host checks everything again.
  - A problem is returned as text naming the variable, for the caller's
    assertion; it is not raised.
options:
  _terms:
    description: The project's directory on the controller.
    type: list
    elements: path
    required: true
  requirements_file:
    description: The requirements file, relative to the directory; empty for none.
    type: str
    default: requirements.txt
  dependencies:
    description: V(auto), V(uv), V(poetry) or V(requirements), as C(django_release_dependencies).
    type: str
    default: auto
  installer:
    description: V(uv) or V(pip), as C(django_release_installer); a C(uv.lock) is refused to V(pip).
    type: str
    default: uv
"""

EXAMPLES = r"""
- name: Refuse a stale uv.lock before anything changes
  ansible.builtin.assert:
    that: _found.problem == ''
    fail_msg: "{{ _found.problem }}"
  vars:
    _found: "{{ lookup('deployment.django.dependency_source', '/home/me/blog') }}"
"""

RETURN = r"""
_raw:
  description: One result per term.
  type: list
  elements: dict
  contains:
    kind:
      description: V(uv), V(poetry) or V(requirements); empty when O(_terms) cannot be read.
      type: str
    files:
      description: The files the virtualenv is built from, relative to the directory.
      type: list
      elements: str
    problem:
      description: Empty, or what is wrong and which variable or file to change.
      type: str
"""

import os

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible_collections.deployment.django.plugins.module_utils import release_plan

try:
    import tomllib
except ImportError:  # Python < 3.11: a controller that old does not run this collection's ansible-core
    tomllib = None

try:
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.utils import canonicalize_name
except ImportError:  # packaging comes with ansible-core
    Requirement = None


def _requirement_key(name, extras, specifier):
    return (canonicalize_name(name), tuple(sorted(canonicalize_name(e) for e in extras)), str(SpecifierSet(specifier)))


def _shown(key):
    name, extras, specifier = key
    return name + ("[%s]" % ",".join(extras) if extras else "") + specifier


def uv_lock_drift(pyproject, lock):
    """What differs between ``pyproject`` and ``lock`` (both parsed TOML):
    the project's dependencies (name, extras, version specifiers) against the
    ``requires-dist`` uv recorded for it, and ``requires-python``. Returns a
    list of sentences; empty when they agree."""
    project = pyproject.get("project", {})
    name = canonicalize_name(project.get("name", ""))
    wanted = []
    for text in project.get("dependencies", []):
        requirement = Requirement(text)
        wanted.append(_requirement_key(requirement.name, requirement.extras, str(requirement.specifier)))
    root = None
    for package in lock.get("package", []):
        source = package.get("source", {})
        if canonicalize_name(package.get("name", "")) == name and ("virtual" in source or "editable" in source):
            root = package
    if root is None:
        return ["uv.lock has no entry for the project %s of pyproject.toml" % (project.get("name") or "(unnamed)")]
    locked = [
        _requirement_key(item["name"], item.get("extras", []), item.get("specifier", ""))
        for item in root.get("metadata", {}).get("requires-dist", [])
    ]
    problems = []
    added = sorted(set(wanted) - set(locked))
    removed = sorted(set(locked) - set(wanted))
    if added:
        problems.append("pyproject.toml asks for %s, which uv.lock was not made from" % ", ".join(_shown(k) for k in added))
    if removed:
        problems.append("uv.lock was made from %s, which pyproject.toml no longer asks for" % ", ".join(_shown(k) for k in removed))
    wanted_python = project.get("requires-python", "")
    if wanted_python and SpecifierSet(wanted_python) != SpecifierSet(lock.get("requires-python", "")):
        problems.append(
            "pyproject.toml requires Python %s, uv.lock was made for %s" % (wanted_python, lock.get("requires-python") or "any")
        )
    return problems


def dependency_source(path, requirements_file="requirements.txt", dependencies="auto", installer="uv"):
    """The lookup's answer for one directory (see RETURN)."""
    try:
        present = os.listdir(path)
    except OSError as error:
        return dict(kind="", files=[], problem="django_release_source_path %s cannot be read: %s" % (path, error))
    try:
        kind, files = release_plan.dependency_source(present, dependencies, requirements_file, installer)
    except release_plan.PlanError as error:
        return dict(kind="", files=[], problem=str(error))
    problem = ""
    if kind == "uv":
        try:
            with open(os.path.join(path, "pyproject.toml"), "rb") as handle:
                pyproject = tomllib.load(handle)
            with open(os.path.join(path, "uv.lock"), "rb") as handle:
                lock = tomllib.load(handle)
            drift = uv_lock_drift(pyproject, lock)
        except (OSError, ValueError, KeyError, InvalidRequirement, InvalidSpecifier) as error:
            drift = ["pyproject.toml or uv.lock cannot be read: %s" % error]
        if drift:
            problem = (
                "django_release_dependencies: the project's uv.lock does not match its pyproject.toml (%s);"
                " run `uv lock` and deploy the updated uv.lock" % "; ".join(drift)
            )
    return dict(kind=kind, files=files, problem=problem)


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        if tomllib is None or Requirement is None:
            raise AnsibleLookupError("dependency_source needs Python 3.11 or newer and the packaging library on the controller")
        return [
            dependency_source(
                term, self.get_option("requirements_file"), self.get_option("dependencies"), self.get_option("installer")
            )
            for term in terms
        ]
