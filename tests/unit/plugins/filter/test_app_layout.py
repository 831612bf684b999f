"""app_layout: one answer to "where does the app live", for every role."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.deployment.django.plugins.filter.app_layout import app_layout


def test_the_default_layout_follows_the_name():
    assert app_layout("blog") == {
        "name": "blog",
        "user": "blog",
        "group": "blog",
        "home": "/srv/blog",
        "releases": "/srv/blog/releases",
        "current": "/srv/blog/current",
        "shared": "/srv/blog/shared",
        "venvs": "/srv/blog/venvs",
        "env_file": "/etc/blog/blog.env",
        "service": "gunicorn-blog",
        "socket": "/run/gunicorn-blog/gunicorn.sock",
    }


@pytest.mark.parametrize(
    "moved, expected",
    [
        ({"home": "/opt/blog"}, {"home": "/opt/blog", "current": "/opt/blog/current", "shared": "/opt/blog/shared"}),
        ({"home": "/opt/blog/"}, {"home": "/opt/blog", "releases": "/opt/blog/releases"}),
        ({"service": "blog-web"}, {"service": "blog-web", "socket": "/run/blog-web/gunicorn.sock", "home": "/srv/blog"}),
        ({"env_file": "/etc/blog.env"}, {"env_file": "/etc/blog.env", "service": "gunicorn-blog"}),
        # Empty means "the default", as an unset inventory variable gives it.
        ({"home": "", "service": "", "env_file": ""}, {"home": "/srv/blog", "service": "gunicorn-blog"}),
        ({"home": None, "service": None}, {"home": "/srv/blog", "socket": "/run/gunicorn-blog/gunicorn.sock"}),
    ],
)
def test_a_moved_part_moves_what_depends_on_it(moved, expected):
    layout = app_layout("blog", **moved)
    assert {key: layout[key] for key in expected} == expected


@pytest.mark.parametrize(
    "moved, named",
    [
        ({"home": "srv/blog"}, "home"),
        ({"home": "/"}, "home"),
        ({"home": "/srv/../etc"}, "home"),
        ({"env_file": "blog.env"}, "env_file"),
        ({"service": "blog web"}, "service"),
        ({"service": "blog/web"}, "service"),
        ({"service": 3}, "service"),
    ],
)
def test_bad_parts_are_refused_by_name(moved, named):
    with pytest.raises(AnsibleFilterError, match=named):
        app_layout("blog", **moved)
