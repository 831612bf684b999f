"""command_list: which values are lists of management commands."""

import pytest

from ansible_collections.deployment.django.plugins.test.command_list import command_list


@pytest.mark.parametrize(
    "value,expected",
    [
        ([], True),
        (["loaddata pages", "update_index"], True),
        ([{"name": "pages", "command": "loaddata pages", "environment": {"A": "1"}}, "update_index"], True),
        (("clearsessions",), True),
        # One command without its list would run letter by letter.
        ("update_index", False),
        ({"command": "loaddata pages"}, False),
        (None, False),
        (3, False),
        ([{"name": "pages"}], False),
        (["ok", 3], False),
        ([["nested"]], False),
    ],
)
def test_values(value, expected):
    assert command_list(value) is expected
