"""Make the collection importable as ansible_collections.deployment.django,
through Ansible's own collection loader (as ansible-test units does)."""

import os

from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LINK_BASE = os.path.join(ROOT, ".cache", "collections")
LINK = os.path.join(LINK_BASE, "ansible_collections", "deployment", "django")

if not os.path.islink(LINK):
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    os.symlink(ROOT, LINK)

_AnsibleCollectionFinder(paths=[LINK_BASE])._install()
