# -*- coding: utf-8 -*-
# Copyright: deployment.django contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: media_plan
short_description: Decide where a release's uploads (MEDIA_ROOT) must live
version_added: 0.1.0
description:
  - Releases are root-owned and replaced on every deploy; uploads must outlive
    them. Given the C(MEDIA_ROOT) a release's settings name, says how to keep
    uploads safe.
  - C(action=none) when C(MEDIA_ROOT) is empty (the project stores no uploads on
    disk).
  - C(action=share) when it lies inside the project folder and is not yet a
    shared path; C(path) is then the path relative to the project folder, to
    be linked to the same path below the shared folder.
  - C(action=shared) when a shared path already holds it.
  - C(action=outside) when it lies outside the releases; C(path) is the absolute
    folder to create for the app.
  - C(action=refuse) when uploads would land in code (the release or project
    folder itself, a release but outside the project folder, the virtualenvs);
    C(reason) says what to change.
  - A C(MEDIA_ROOT) given through the C(current) link, or relative (Django then
    resolves it from the working directory, the project folder), is read as
    the same path inside the release.
options:
  _input:
    description: The C(MEDIA_ROOT) of the release's settings.
    type: str
    required: true
  release:
    description: The release folder.
    type: path
    required: true
  project:
    description: The project folder (where C(manage.py) is), the release folder or below it.
    type: path
    required: true
  current:
    description: The C(current) link's path.
    type: path
    required: true
  home:
    description: The app's base folder (releases, virtualenvs and shared folders below it).
    type: path
    required: true
  shared_paths:
    description: Paths relative to the project folder that are already links to the shared folder.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Decide where uploads live
  ansible.builtin.set_fact:
    media: >-
      {{ settings.media_root | deployment.django.media_plan(release=release_path, project=project_path,
         current='/srv/app/current', home='/srv/app', shared_paths=['media']) }}
"""

RETURN = r"""
_value:
  description: The decision.
  type: dict
  contains:
    action:
      description: One of C(none), C(share), C(shared), C(outside), C(refuse).
      type: str
    path:
      description: For C(share) and C(shared), relative to the project folder; for C(outside), absolute.
      type: str
    reason:
      description: For C(refuse), what is wrong and what to set.
      type: str
"""

import posixpath

from ansible.errors import AnsibleFilterError


def _inside(path, folder):
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def media_plan(media_root, release, project, current, home, shared_paths=()):
    """Where uploads live (see DOCUMENTATION)."""
    if media_root is None or not str(media_root).strip():
        return {"action": "none", "path": "", "reason": ""}
    release, project, current, home = (posixpath.normpath(p) for p in (release, project, current, home))
    if not _inside(project, release):
        raise AnsibleFilterError("media_plan: project %s is not inside release %s" % (project, release))
    media = str(media_root)
    if not media.startswith("/"):
        media = posixpath.join(project, media)
    media = posixpath.normpath(media)
    if _inside(media, current):
        media = release + media[len(current):]

    if _inside(media, release):
        if _inside(project, media):
            return {
                "action": "refuse",
                "path": media,
                "reason": "MEDIA_ROOT %s is the release's own folder: uploads would be written among the code and lost "
                "at the next release. Point MEDIA_ROOT at a folder of its own (e.g. BASE_DIR / 'media')." % media_root,
            }
        if not _inside(media, project):
            return {
                "action": "refuse",
                "path": media,
                "reason": "MEDIA_ROOT %s is inside the release but outside the project folder "
                "(django_release_project_dir): put it inside the project folder, which the deploy shares "
                "automatically, or outside the releases (e.g. /var/lib/<app>/media)." % media_root,
            }
        relative = posixpath.relpath(media, project)
        for shared in shared_paths:
            shared = posixpath.normpath(str(shared).strip("/"))
            if _inside(relative, shared):
                return {"action": "shared", "path": relative, "reason": ""}
            if _inside(shared, relative):
                return {
                    "action": "refuse",
                    "path": relative,
                    "reason": "MEDIA_ROOT %s holds the shared path %s (django_release_shared_paths): share the "
                    "media folder itself, or move the shared path out of it." % (media_root, shared),
                }
        return {"action": "share", "path": relative, "reason": ""}

    for code in ("releases", "venvs", ".deploy"):
        if _inside(media, posixpath.join(home, code)) or _inside(posixpath.join(home, code), media):
            return {
                "action": "refuse",
                "path": media,
                "reason": "MEDIA_ROOT %s is, or holds, %s, where the deploy keeps code: point it at a folder of "
                "its own." % (media_root, posixpath.join(home, code)),
            }
    if media == "/" or _inside(home, media):
        return {
            "action": "refuse",
            "path": media,
            "reason": "MEDIA_ROOT %s holds the app's whole folder %s: point it at a folder of its own." % (media_root, home),
        }
    return {"action": "outside", "path": media, "reason": ""}


class FilterModule(object):
    """Release layout filters."""

    def filters(self):
        return {"media_plan": media_plan}
