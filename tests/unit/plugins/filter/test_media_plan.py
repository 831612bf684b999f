"""media_plan: uploads never land in a release without a link to shared/."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.deployment.django.plugins.filter.media_plan import media_plan

HOME = "/srv/site"
RELEASE = HOME + "/releases/20261128T100000Z-abcd1234"
CURRENT = HOME + "/current"


def plan(media_root, project=RELEASE, shared=()):
    return media_plan(media_root, release=RELEASE, project=project, current=CURRENT, home=HOME, shared_paths=list(shared))


@pytest.mark.parametrize(
    "media_root,project,shared,action,path",
    [
        ("", RELEASE, [], "none", ""),
        (None, RELEASE, [], "none", ""),
        # The usual BASE_DIR / "media": shared automatically.
        (RELEASE + "/media", RELEASE, [], "share", "media"),
        # Inside a sub-package: shared too, by its own path.
        (RELEASE + "/gallery/media", RELEASE, [], "share", "gallery/media"),
        # manage.py in a sub-folder of the source.
        (RELEASE + "/src/gallery/media", RELEASE + "/src", [], "share", "gallery/media"),
        # Already a shared path, or below one.
        (RELEASE + "/media", RELEASE, ["media"], "shared", "media"),
        (RELEASE + "/var/uploads", RELEASE, ["var"], "shared", "var/uploads"),
        # Through the current link, or relative to the working directory.
        (CURRENT + "/gallery/media", RELEASE, [], "share", "gallery/media"),
        ("gallery/media", RELEASE, [], "share", "gallery/media"),
        # Outside the releases: a folder of its own.
        ("/var/lib/site/media", RELEASE, [], "outside", "/var/lib/site/media"),
        (HOME + "/uploads", RELEASE, [], "outside", HOME + "/uploads"),
    ],
)
def test_decisions(media_root, project, shared, action, path):
    result = plan(media_root, project, shared)
    assert (result["action"], result["path"]) == (action, path)


@pytest.mark.parametrize(
    "media_root,project,shared,reason",
    [
        (RELEASE, RELEASE, [], "is the release's own folder"),
        (RELEASE + "/src", RELEASE + "/src", [], "is the release's own folder"),
        (RELEASE, RELEASE + "/src", [], "is the release's own folder"),
        (".", RELEASE, [], "is the release's own folder"),
        (RELEASE + "/uploads", RELEASE + "/src", [], "outside the project folder"),
        (RELEASE + "/data", RELEASE, ["data/media"], "holds the shared path data/media"),
        (HOME + "/releases/other", RELEASE, [], "where the deploy keeps code"),
        (HOME + "/venvs/x/media", RELEASE, [], "where the deploy keeps code"),
        (HOME, RELEASE, [], "where the deploy keeps code"),
        ("/", RELEASE, [], "where the deploy keeps code"),
    ],
)
def test_refusals_say_what_to_change(media_root, project, shared, reason):
    result = plan(media_root, project, shared)
    assert result["action"] == "refuse"
    assert reason in result["reason"]


def test_a_project_outside_its_release_is_a_bug():
    with pytest.raises(AnsibleFilterError):
        plan("/x", project="/elsewhere")
