"""postgres_url: whatever the password holds, the driver gets it back."""

import importlib.util
import pathlib
import string
from urllib.parse import unquote, urlsplit

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.deployment.django.plugins.filter.postgres_url import postgres_url

ROOT = pathlib.Path(__file__).resolve().parents[4]
HARD_PASSWORDS = [
    "plain",
    "p@ss:w/rd?#%",
    "with spaces and +plus",
    "%41 is not A",
    "[brackets]&amp=;",
    "unicode é ✓",
    string.punctuation,
]


def example_settings_parser():
    """The example project's own DATABASE_URL parser (a user's-eye check)."""
    spec = importlib.util.spec_from_file_location("notes_settings_url", ROOT / "examples/notes/notesite/settings.py")
    source = (ROOT / "examples/notes/notesite/settings.py").read_text()
    namespace = {"__file__": str(ROOT / "examples/notes/notesite/settings.py")}
    head = source.split("SECRET_KEY =", 1)[0]  # the helpers, before any setting reads the environment
    exec(compile(head, spec.origin, "exec"), namespace)  # pylint: disable=exec-used
    return namespace["database_from_url"]


@pytest.mark.parametrize("password", HARD_PASSWORDS)
def test_password_round_trips_through_urllib(password):
    url = postgres_url({"host": "db", "database": "app", "user": "app", "password": password})
    parts = urlsplit(url)
    assert unquote(parts.password) == password
    assert parts.hostname == "db"
    assert parts.port == 5432
    assert parts.path == "/app"


@pytest.mark.parametrize("password", HARD_PASSWORDS)
def test_password_round_trips_through_the_example_project(password):
    url = postgres_url(
        {"host": "10.0.0.5", "port": 6432, "database": "my db", "user": "me@corp", "password": password, "sslmode": "require"}
    )
    database = example_settings_parser()(url)
    assert database["PASSWORD"] == password
    assert database["USER"] == "me@corp"
    assert database["NAME"] == "my db"
    assert database["HOST"] == "10.0.0.5"
    assert database["PORT"] == 6432
    assert database["OPTIONS"] == {"sslmode": "require"}


def test_known_shape():
    assert (
        postgres_url({"host": "db.internal", "database": "mysite", "user": "mysite", "password": "p@ss:w/rd", "sslmode": "require"})
        == "postgres://mysite:p%40ss%3Aw%2Frd@db.internal:5432/mysite?sslmode=require"
    )


def test_ipv6_hosts_get_brackets():
    url = postgres_url({"host": "fd00::5", "database": "a", "user": "a"})
    assert url == "postgres://a@[fd00::5]:5432/a"
    assert urlsplit(url).hostname == "fd00::5"


def test_options_are_sorted_and_encoded():
    url = postgres_url(
        {"host": "h", "database": "d", "user": "u", "sslmode": "verify-full", "options": {"sslrootcert": "/etc/ssl/my ca.pem", "connect_timeout": 5}}
    )
    assert url.endswith("?connect_timeout=5&sslmode=verify-full&sslrootcert=%2Fetc%2Fssl%2Fmy+ca.pem")


@pytest.mark.parametrize(
    "parts,message",
    [
        ({"database": "d", "user": "u"}, "'host' is required"),
        ({"host": "h", "user": "u"}, "'database' is required"),
        ({"host": "h", "database": "d"}, "'user' is required"),
        ({"host": "h", "database": "d", "user": "u", "port": "x"}, "port must be a TCP port"),
        ({"host": "h", "database": "d", "user": "u", "sslmode": "on"}, "sslmode must be one of"),
        ({"host": "h", "database": "d", "user": "u", "name": "d"}, "unknown keys name"),
        ("postgres://x", "expects a mapping"),
    ],
)
def test_bad_parts_are_named(parts, message):
    with pytest.raises(AnsibleFilterError, match=message):
        postgres_url(parts)
