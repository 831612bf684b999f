"""The env_quote filter must round-trip any text through systemd and sh."""

import os
import subprocess

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.deployment.django.plugins.filter.env_quote import env_quote

NASTY = [
    "plain",
    "",
    "with space",
    'double "quotes"',
    "single 'quotes'",
    "dollar $HOME and ${PATH}",
    "back`tick`",
    "back\\slash\\",
    "p@ss:w/rd?#%&=+",
    "line one\nline two",
    "trailing backslash\\",
    "unicode: été ✓",
]


@pytest.mark.parametrize("value", NASTY)
def test_round_trip_through_a_posix_shell(tmp_path, value):
    env_file = tmp_path / "app.env"
    env_file.write_text("VALUE=%s\n" % env_quote(value), encoding="utf-8")
    out = subprocess.run(
        ["sh", "-c", 'set -a; . "$1"; printf %s "$VALUE"', "sh", str(env_file)],
        check=True,
        capture_output=True,
        env={"PATH": os.environ["PATH"]},
    ).stdout.decode("utf-8")
    assert out == value


def test_scalars_become_text():
    assert env_quote(True) == '"true"'
    assert env_quote(False) == '"false"'
    assert env_quote(42) == '"42"'
    assert env_quote(None) == '""'


@pytest.mark.parametrize("value", [{"a": 1}, ["a"], ("a",)])
def test_structures_are_refused(value):
    with pytest.raises(AnsibleFilterError, match="holds text"):
        env_quote(value)


def test_nul_is_refused():
    with pytest.raises(AnsibleFilterError, match="NUL"):
        env_quote("a\x00b")


def test_escapes_exactly_the_special_characters():
    assert env_quote('a\\b"c$d`e') == '"a\\\\b\\"c\\$d\\`e"'
